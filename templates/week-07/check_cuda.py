# Week 7 lab, step 1: check CUDA in PyTorch.
# Fixed: the course calls torch.cuda.get_device_name(0) unconditionally, which raises on a machine
# without CUDA; here it is asked only when a GPU is there.
import torch

print(torch.cuda.is_available())  # Should be True
print(torch.cuda.device_count())  # Number of GPUs
if torch.cuda.is_available():
    print(torch.cuda.get_device_name(0))  # GPU name
else:
    print("No CUDA GPU visible to PyTorch")
