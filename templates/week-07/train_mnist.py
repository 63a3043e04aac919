# Week 7 lab: train and test a simple MLP on MNIST with CUDA (steps 2-6 and 8 of the course, in one file).
# Fixed from the course's snippets:
# - the snippets are assembled into one runnable file (imports were spread over steps 2-5);
# - DEVICE=cpu|cuda overrides the automatic choice, and the training time is printed, for step 9's
#   CPU vs GPU comparison (the course gives no code for it); the GPU clock is synchronized first;
# - the trained weights are saved to mnist_mlp.pth so the lab can check that training produced a model.
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
import torchvision
import torchvision.transforms as transforms

# 2. Load a dataset
transform = transforms.Compose([transforms.ToTensor()])
trainset = torchvision.datasets.MNIST(root="./data", train=True, download=True, transform=transform)
trainloader = torch.utils.data.DataLoader(trainset, batch_size=64, shuffle=True)


# 3. Define a simple neural network
class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.fc1 = nn.Linear(28 * 28, 128)
        self.fc2 = nn.Linear(128, 64)
        self.fc3 = nn.Linear(64, 10)

    def forward(self, x):
        x = x.view(-1, 28 * 28)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


model = Net()

# 4. Move the model to the GPU (DEVICE=cpu or DEVICE=cuda overrides, for step 9)
device = torch.device(os.environ.get("DEVICE") or ("cuda" if torch.cuda.is_available() else "cpu"))
model = model.to(device)
print(f"Device: {device}")

# 5. Optimizer and loss function
criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=0.001)


def sync():
    if device.type == "cuda":
        torch.cuda.synchronize()


# 6. Training loop
sync()
start = time.perf_counter()
for epoch in range(2):  # Run 2 epochs
    running_loss = 0.0
    for images, labels in trainloader:
        images, labels = images.to(device), labels.to(device)

        optimizer.zero_grad()
        outputs = model(images)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()

        running_loss += loss.item()

    print(f"Epoch {epoch+1}, Loss: {running_loss/len(trainloader)}")
sync()
print(f"Training time: {time.perf_counter() - start:.2f} s on {device}")

# 8. Test model inference
testset = torchvision.datasets.MNIST(root="./data", train=False, download=True, transform=transform)
testloader = torch.utils.data.DataLoader(testset, batch_size=100, shuffle=False)

correct, total = 0, 0
with torch.no_grad():
    for images, labels in testloader:
        images, labels = images.to(device), labels.to(device)
        outputs = model(images)
        _, predicted = torch.max(outputs.data, 1)
        total += labels.size(0)
        correct += (predicted == labels).sum().item()

print(f"✅ Accuracy on test data: {100 * correct / total:.2f}%")

torch.save(model.state_dict(), "mnist_mlp.pth")
print("Saved the trained weights to mnist_mlp.pth")
