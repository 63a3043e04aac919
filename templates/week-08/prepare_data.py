# Week 8 lab, steps 2-3: download CIFAR-10 once and build ResNet-18 (the course's snippets).
# Fixed: the course's train_ddp.py lets every rank call CIFAR10(download=True) on the same ./data at
# once, which races; downloading here, before the launch, leaves the ranks nothing to download.
import torch
import torchvision
import torchvision.models as models
import torchvision.transforms as transforms

transform = transforms.Compose([
    transforms.RandomHorizontalFlip(),
    transforms.RandomCrop(32, padding=4),
    transforms.ToTensor()
])

trainset = torchvision.datasets.CIFAR10(root='./data', train=True, download=True, transform=transform)
testset = torchvision.datasets.CIFAR10(root='./data', train=False, download=True, transform=transforms.ToTensor())


def build_model():
    model = models.resnet18(weights=None, num_classes=10)
    return model


model = build_model()
parameters = sum(p.numel() for p in model.parameters())
print(f"CIFAR-10: {len(trainset)} training and {len(testset)} test images; ResNet-18 with {parameters} parameters")
print(f"GPUs visible to PyTorch: {torch.cuda.device_count()}")
