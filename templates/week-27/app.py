# Course step 5 (optional): a Streamlit page to upload an image and see the boxes.
# Run: streamlit run app.py (pip install streamlit first).
import cv2
import numpy as np
import streamlit as st

from detector import annotate, load, summary

model = load()
st.title("Real-Time Object Detection")

uploaded = st.file_uploader("Upload an image", type=["jpg", "png", "jpeg"])
if uploaded:
    file_bytes = np.asarray(bytearray(uploaded.read()), dtype=np.uint8)
    img = cv2.imdecode(file_bytes, 1)
    if img is None:
        st.error("That file is not an image.")
    else:
        detections = model.detect(img)
        st.image(annotate(img, detections), channels="BGR", caption=summary(detections))
