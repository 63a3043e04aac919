# Week 8 lab, step 7: load the DDP checkpoint and measure test accuracy.
# The course's loader (`model.load_state_dict(torch.load("resnet_ddp.pth"))`) has no evaluation loop
# and fails on a CPU-only machine with a checkpoint saved on a GPU: map_location="cpu" fixes that,
# and strict loading prints "All keys matched successfully" when the keys fit ResNet-18.
import os

import torch
import torchvision
import torchvision.models as models
import torchvision.transforms as transforms

DATA = os.environ.get("DATA", "cifar10")
device = torch.device("cuda" if torch.cuda.is_available() and os.environ.get("DEVICE") != "cpu" else "cpu")

model = models.resnet18(weights=None, num_classes=10)
print(model.load_state_dict(torch.load("resnet_ddp.pth", map_location="cpu")))
model = model.to(device)
model.eval()

if DATA == "fake":
    testset = torchvision.datasets.FakeData(
        size=256, image_size=(3, 32, 32), num_classes=10, transform=transforms.ToTensor(), random_offset=10_000
    )
else:
    testset = torchvision.datasets.CIFAR10(root="./data", train=False, download=True, transform=transforms.ToTensor())
testloader = torch.utils.data.DataLoader(testset, batch_size=256, shuffle=False)

correct, total = 0, 0
with torch.no_grad():
    for images, labels in testloader:
        images, labels = images.to(device), labels.to(device)
        predicted = model(images).argmax(1)
        total += labels.size(0)
        correct += (predicted == labels).sum().item()
print(f"Test accuracy: {100 * correct / total:.2f}%")
