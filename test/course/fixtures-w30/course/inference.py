# The course's inference.py (course lines 12790-12809), verbatim.
import gymnasium as gym
import ray
from ray.rllib.algorithms.ppo import PPOConfig

# Init Ray & load trained policy
ray.init()
config = PPOConfig().environment("CartPole-v1").framework("torch")
algo = config.build()
algo.restore("last_checkpoint_path")   # replace with actual checkpoint path

env = gym.make("CartPole-v1", render_mode="human")
obs, _ = env.reset()

done = False
while not done:
    action = algo.compute_single_action(obs)
    obs, reward, terminated, truncated, _ = env.step(action)
    done = terminated or truncated

env.close()
