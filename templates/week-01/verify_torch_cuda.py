# Week 1, A7/B6: confirm PyTorch sees the GPU and runs a tiny kernel (the course's heredoc, as a file).
import torch
print("CUDA available:", torch.cuda.is_available())
if torch.cuda.is_available():
    print("GPU:", torch.cuda.get_device_name(0))
    x = torch.rand(1024,1024, device='cuda')
    y = torch.mm(x, x)
    print("Matmul OK, y shape:", y.shape)
