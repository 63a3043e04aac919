# Week 9 lab, step 4: the model (the same MLP as week 7), in a module of its own.
# Fixed: mlflow.pytorch pickles the whole model; loading it in another script needs the Net class
# importable (else "AttributeError: Can't get attribute 'Net' on <module '__main__'>"), so Net lives
# here and train_mlflow.py logs this file with the model (code_paths).
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.fc1 = nn.Linear(28*28, 128)
        self.fc2 = nn.Linear(128, 64)
        self.fc3 = nn.Linear(64, 10)

    def forward(self, x):
        x = x.view(-1, 28*28)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)
