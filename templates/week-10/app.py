# Week 10 lab: the inference API (course step 3, fixed).
# Fixed:
# - the same one-line `def __init__(self): super().__init__()` as in train.py raised
#   "NameError: name 'self' is not defined";
# - the course's app.py defines the app but never starts a server, so `python app.py` (the image's
#   CMD) exits at once: app.run() below serves on 0.0.0.0 (reachable from outside the container),
#   port 5000 or $PORT;
# - a body without "input" answers 400 instead of a crash, and a batch of several 784-value rows
#   gets a list of predictions (the course's .item() works for exactly one row).
# Body: {"input": [[784 pixel values in 0..1]]} -> {"prediction": 7}
import os

from flask import Flask, request, jsonify
import torch, torch.nn as nn

app = Flask(__name__)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2, self.fc3 = nn.Linear(28*28, 128), nn.Linear(128, 64), nn.Linear(64, 10)

    def forward(self, x):
        x = x.view(-1, 28*28)
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


model = Net(); model.load_state_dict(torch.load("model.pth", map_location="cpu")); model.eval()


@app.route("/predict", methods=["POST"])
def predict():
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or "input" not in body:
        return jsonify({"error": 'send JSON {"input": [[784 numbers]]}'}), 400
    data = torch.tensor(body["input"])
    with torch.no_grad():
        output = model(data.float())
    _, predicted = torch.max(output, 1)
    if predicted.numel() == 1:
        return jsonify({"prediction": predicted.item()})
    return jsonify({"prediction": predicted.tolist()})


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "5000")))
