# Week 10 lab: train a simple model and save it (course step 2, fixed).
# Fixed: the course writes `def __init__(self): super().__init__()` on one line and the layers on the
# next, so `self.fc1, ... = ...` sits in the class body and Python stops with
# "NameError: name 'self' is not defined" before training starts.
import torch, torchvision, torchvision.transforms as transforms
import torch.nn as nn, torch.optim as optim

trainset = torchvision.datasets.MNIST("./data", train=True, download=True, transform=transforms.ToTensor())
trainloader = torch.utils.data.DataLoader(trainset, batch_size=64, shuffle=True)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2, self.fc3 = nn.Linear(28*28, 128), nn.Linear(128, 64), nn.Linear(64, 10)

    def forward(self, x):
        x = x.view(-1, 28*28)
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


model = Net()
criterion, optimizer = nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.001)

for epoch in range(1):
    for images, labels in trainloader:
        optimizer.zero_grad(); outputs = model(images)
        loss = criterion(outputs, labels); loss.backward(); optimizer.step()

torch.save(model.state_dict(), "model.pth")
print("✅ Model trained and saved")
