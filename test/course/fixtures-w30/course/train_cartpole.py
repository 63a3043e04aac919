# The course's train_cartpole.py (course lines 12747-12768) with step 2's extension (12779-12784), verbatim.
import ray
from ray.rllib.algorithms.ppo import PPOConfig

# Start Ray
ray.init(ignore_reinit_error=True)

# Configure PPO for CartPole
config = (
    PPOConfig()
    .environment("CartPole-v1")
    .rollouts(num_rollout_workers=1)
    .training(train_batch_size=4000)
    .framework("torch")
)

# Build Trainer
algo = config.build()

# Train for N iterations
for i in range(5):
    result = algo.train()
    print(f"Iter: {i}, reward_mean: {result['episode_reward_mean']:.2f}")

# Save checkpoint
checkpoint = algo.save()
print("Checkpoint saved at:", checkpoint)

# Load checkpoint later
algo.restore(checkpoint)
