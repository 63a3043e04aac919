# Course step 3: run the trained policy. Fixed for Ray >= 2.40:
#   - fixed: algo.restore("last_checkpoint_path") was a placeholder on a freshly built algorithm: the
#     checkpoint folder is an argument, loaded with Algorithm.from_checkpoint();
#   - fixed: algo.compute_single_action(obs) does not exist on the new API stack: the RLModule's
#     forward_inference() gives the action logits, and the greedy action is their argmax;
#   - fixed: render_mode="human" opens a pygame window (it fails, or hangs, with no display): --render
#     human asks for it, the default is no rendering;
#   - it prints each episode's return, so that "the agent balances the pole" can be checked.
# --agent torch uses minippo.py and cartpole_env.py (see train_cartpole.py).
import argparse

import numpy as np
import torch

parser = argparse.ArgumentParser()
parser.add_argument("checkpoint", help="the folder train_cartpole.py printed after 'Checkpoint saved at:'")
parser.add_argument("--agent", choices=["rllib", "torch"], default="rllib")
parser.add_argument("--episodes", type=int, default=5)
parser.add_argument("--render", choices=["none", "human"], default="none")
parser.add_argument("--seed", type=int, default=100)
args = parser.parse_args()

if args.agent == "rllib":
    import gymnasium as gym
    import ray
    from ray.rllib.algorithms.algorithm import Algorithm

    # Init Ray & load trained policy
    ray.init(ignore_reinit_error=True)
else:
    import cartpole_env as gym
    from minippo import Algorithm

algo = Algorithm.from_checkpoint(args.checkpoint)
module = algo.get_module()

env = gym.make("CartPole-v1", render_mode=None if args.render == "none" else args.render)
returns = []
for episode in range(args.episodes):
    obs, _ = env.reset(seed=args.seed + episode)
    done = False
    episode_return = 0.0
    while not done:
        out = module.forward_inference({"obs": torch.from_numpy(np.asarray(obs, dtype=np.float32)).unsqueeze(0)})
        action = int(out["action_dist_inputs"].argmax(-1)[0])
        obs, reward, terminated, truncated, _ = env.step(action)
        episode_return += reward
        done = terminated or truncated
    returns.append(episode_return)
    print(f"Episode {episode + 1}: return {episode_return:.0f}", flush=True)

env.close()
print(f"Mean return: {np.mean(returns):.1f} over {len(returns)} episodes", flush=True)
algo.stop()
if args.agent == "rllib":
    ray.shutdown()
