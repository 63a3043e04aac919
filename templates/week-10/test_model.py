# Week 10 lab: test the model before it ships (not in the lab's files; lecture 67, "Testing Models
# Before Deployment": set a minimum performance threshold, "Deploy or Fail"). The pipeline runs it
# after train.py and stops when the accuracy on MNIST's test set is below MIN_ACCURACY (percent).
import os
import sys

import torch
import torch.nn as nn
import torchvision
import torchvision.transforms as transforms


class Net(nn.Module):  # the same network as in train.py and app.py
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2, self.fc3 = nn.Linear(28*28, 128), nn.Linear(128, 64), nn.Linear(64, 10)

    def forward(self, x):
        x = x.view(-1, 28*28)
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


MIN_ACCURACY = float(os.environ.get("MIN_ACCURACY", "90"))

testset = torchvision.datasets.MNIST("./data", train=False, download=True, transform=transforms.ToTensor())
testloader = torch.utils.data.DataLoader(testset, batch_size=100, shuffle=False)

model = Net()
model.load_state_dict(torch.load("model.pth", map_location="cpu"))
model.eval()

correct, total = 0, 0
with torch.no_grad():
    for images, labels in testloader:
        correct += (model(images).argmax(1) == labels).sum().item()
        total += labels.size(0)
accuracy = 100 * correct / total
print(f"Test accuracy: {accuracy:.2f}% (minimum {MIN_ACCURACY:.2f}%)")
if accuracy < MIN_ACCURACY:
    sys.exit(f"❌ Accuracy below {MIN_ACCURACY}%: not deploying this model")
print("✅ Model passed the accuracy gate")
