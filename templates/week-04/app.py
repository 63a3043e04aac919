# Week 4, step 2: the FastAPI inference app. The course's app.py, with fixes (ailab):
# - the model is rebuilt and its saved weights loaded (train_model.py saves a state_dict, see there);
# - it uses the GPU when there is one: the course loaded with map_location="cpu" and never moved the model
#   or the input, so `docker run --gpus all` changed nothing.
# As in the course there is no ImageNet normalisation and the 10-class head is untrained: any class 0-9
# is a right answer here; the lab is about packaging and serving, not accuracy.
from fastapi import FastAPI, UploadFile
from PIL import Image
import torch
import torchvision.transforms as T
from torchvision import models

app = FastAPI()

device = "cuda" if torch.cuda.is_available() else "cpu"

# Load model
model = models.resnet18(num_classes=10)
model.load_state_dict(torch.load("model.pt", map_location=device))
model.to(device)
model.eval()

transform = T.Compose([
    T.Resize((224, 224)),
    T.ToTensor()
])


@app.post("/predict")
async def predict(file: UploadFile):
    img = Image.open(file.file).convert("RGB")
    x = transform(img).unsqueeze(0).to(device)
    with torch.no_grad():
        y = model(x)
    pred = y.argmax().item()
    return {"prediction": int(pred)}
