# Course steps 1, 2 and 4 in one script: train PPO on CartPole-v1, save and reload the checkpoint, train
# more and plot the rewards. Fixed for Ray >= 2.40 (the new API stack):
#   - fixed: .rollouts(num_rollout_workers=1) is now an error: .env_runners(num_env_runners=1);
#   - fixed: result['episode_reward_mean'] is a KeyError: result["env_runners"]["episode_return_mean"];
#   - fixed: config.build() is deprecated ("Build Trainer" is now an Algorithm): config.build_algo();
#   - fixed: algo.save() returns a result object, not a path: algo.save_to_path(<folder>) returns it;
#   - fixed: algo.restore(checkpoint) on the same object proves little: Algorithm.from_checkpoint(path);
#   - fixed: step 4's snippet had no file and ended in plt.show(), which blocks (or fails with no
#     display): it runs here, after the checkpoint, and saves rewards.png (and rewards.json);
#   - ray.shutdown() at the end, so that no raylet or gcs_server is left running.
# --agent torch runs the same code on minippo.py (PPO in plain PyTorch with the same API) and
# cartpole_env.py (CartPole-v1 in NumPy), for machines without Ray.
import argparse
import json
import math
import os

parser = argparse.ArgumentParser()
parser.add_argument("--agent", choices=["rllib", "torch"], default="rllib")
parser.add_argument("--iterations", type=int, default=5)
parser.add_argument("--plot-iterations", type=int, default=20)
parser.add_argument("--train-batch-size", type=int, default=4000)
parser.add_argument("--num-env-runners", type=int, default=1)
parser.add_argument("--checkpoint", default="checkpoints/ppo_cartpole")
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()

if args.agent == "rllib":
    import ray
    from ray.rllib.algorithms.algorithm import Algorithm
    from ray.rllib.algorithms.ppo import PPOConfig

    # Start Ray
    ray.init(ignore_reinit_error=True)
else:
    from minippo import Algorithm, PPOConfig

# Configure PPO for CartPole
config = (
    PPOConfig()
    .environment("CartPole-v1")
    .env_runners(num_env_runners=args.num_env_runners)
    .training(train_batch_size=args.train_batch_size)
    .framework("torch")
    .debugging(seed=args.seed)
)

# Build the Algorithm
algo = config.build_algo()


def reward_mean(result):
    return result["env_runners"].get("episode_return_mean", math.nan)


# Train for N iterations
means = []
for i in range(args.iterations):
    result = algo.train()
    means.append(reward_mean(result))
    print(f"Iter: {i}, reward_mean: {means[-1]:.2f}", flush=True)
# "You should see the reward_mean increase as the agent learns."
print(f"reward_mean: {means[0]:.2f} -> {means[-1]:.2f} ({means[-1] - means[0]:+.2f})", flush=True)

# Save checkpoint
checkpoint = algo.save_to_path(os.path.abspath(args.checkpoint))
print("Checkpoint saved at:", checkpoint, flush=True)

# Load checkpoint (a new Algorithm from the saved state)
algo.stop()
algo = Algorithm.from_checkpoint(checkpoint)
print("Restored from:", checkpoint, flush=True)

# Visualize training rewards (course step 4), headless: saved to rewards.png
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

rewards = []
for i in range(args.plot_iterations):
    result = algo.train()
    rewards.append(reward_mean(result))
    print(f"Plot iter: {i}, reward_mean: {rewards[-1]:.2f}", flush=True)

plt.plot(rewards)
plt.xlabel("Iteration")
plt.ylabel("Mean Episode Reward")
plt.title("PPO Training on CartPole")
plt.savefig("rewards.png", dpi=100)
with open("rewards.json", "w") as f:
    json.dump({"rewards": rewards, "first": rewards[0] if rewards else None,
               "last": rewards[-1] if rewards else None, "best": max(rewards, default=None)}, f)
print(f"Saved rewards.png ({len(rewards)} iterations)", flush=True)

algo.stop()
if args.agent == "rllib":
    ray.shutdown()
