# Week 4, step 1: train and save a model. The course's train_model.py, with two fixes (ailab):
# - `models.resnet18(pretrained=True)` is deprecated: the weights are named instead. DEFAULT downloads the
#   ImageNet weights (~45 MB from download.pytorch.org); WEIGHTS = "none" skips the download (the course
#   trains nothing either, so the predictions are a plumbing demo whichever you pick).
# - the course saved the whole pickled module (`torch.save(model, ...)`): loading it needs the same torch
#   version in the container, and torch >= 2.6 refuses it by default (weights_only=True). Saving the
#   state_dict and rebuilding the architecture in app.py works with any version.
import torch
import torch.nn as nn
from torchvision import models

WEIGHTS = "${{ weights }}"

# Simple pretrained model (ResNet18)
if WEIGHTS.lower() == "none":
    model = models.resnet18(weights=None)
else:
    model = models.resnet18(weights=models.ResNet18_Weights.DEFAULT)
model.fc = nn.Linear(model.fc.in_features, 10)  # 10 classes

# Fake training: just save weights for demo
torch.save(model.state_dict(), "model.pt")
print("✅ Model saved as model.pt")
