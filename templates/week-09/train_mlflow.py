# Week 9 lab: train with MLflow logging (course steps 3, 5 and 7 in one file), fixed:
# - the script and the server meet through the tracking URI (MLFLOW_TRACKING_URI, default
#   http://127.0.0.1:5000): the course relied on both running in the same folder;
# - the loss-curve artifact (step 7) is logged inside the training run, from the real losses: the
#   course logged it after the `with` block, which silently starts a second run, and plotted a
#   made-up [0.9, 0.5, 0.3];
# - MLflow 3: log_model(model, name="model") (artifact_path is deprecated) and the model's URI comes
#   from the returned ModelInfo (runs:/<run_id>/model is deprecated); Net is logged with the model;
# - the run id (the course's "{run_id}" placeholder was never filled in) and the model URI are
#   written to last_run.json for load_model.py;
# - --lr picks the learning rate for step 8's comparison (0.001 vs 0.01).
import argparse
import json
import os

import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt
import mlflow
import mlflow.pytorch
import torch
import torch.nn as nn
import torch.optim as optim
import torchvision
import torchvision.transforms as transforms

from model_def import Net

parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, default=0.001)
args = parser.parse_args()

mlflow.set_tracking_uri(os.environ.get("MLFLOW_TRACKING_URI", "http://127.0.0.1:5000"))

# 3. Load dataset (MNIST example)
transform = transforms.ToTensor()
trainset = torchvision.datasets.MNIST(root='./data', train=True, download=True, transform=transform)
trainloader = torch.utils.data.DataLoader(trainset, batch_size=64, shuffle=True)

# 5. Train with MLflow logging
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = Net().to(device)
criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=args.lr)

with mlflow.start_run() as run:
    mlflow.log_param("lr", args.lr)
    mlflow.log_param("batch_size", 64)

    losses = []
    for epoch in range(2):
        running_loss = 0.0
        for images, labels in trainloader:
            images, labels = images.to(device), labels.to(device)
            optimizer.zero_grad()
            outputs = model(images)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()

        avg_loss = running_loss / len(trainloader)
        losses.append(avg_loss)
        mlflow.log_metric("loss", avg_loss, step=epoch)
        print(f"Epoch {epoch+1}, Loss: {avg_loss}")

    model_info = mlflow.pytorch.log_model(model.cpu(), name="model", code_paths=["model_def.py"])

    # 7. Log artifacts: the loss curve, inside the run
    plt.plot(range(1, len(losses) + 1), losses, marker="o")
    plt.xlabel("epoch")
    plt.ylabel("loss")
    plt.savefig("loss_curve.png")
    mlflow.log_artifact("loss_curve.png")

    with torch.no_grad():
        reference = model(torch.zeros(1, 1, 28, 28)).argmax(1).item()
    with open("last_run.json", "w") as f:
        json.dump({"run_id": run.info.run_id, "model_uri": model_info.model_uri, "lr": args.lr,
                   "prediction_on_zeros": reference}, f)
    print(f"Run {run.info.run_id} logged; model at {model_info.model_uri}")
