# Week 2, step 7: verify GPU access (works for CPU too). The course's heredoc, as a file.
import torch
print("CUDA available:", torch.cuda.is_available())
print("Torch version:", torch.__version__)
if torch.cuda.is_available():
    print("GPU:", torch.cuda.get_device_name(0))
    x = torch.rand((2048,2048), device='cuda')
    y = x @ x
    print("Matmul OK:", y.shape)
