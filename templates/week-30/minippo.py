"""PPO in plain PyTorch with the slice of RLlib's API that this lab uses (agent=torch).

For machines where Ray cannot be installed (no wheel for the Python, no network to PyPI): the same
algorithm (PPO with a clipped surrogate objective, a value function and GAE), the same calls as RLlib's
new API stack, so train_cartpole.py and inference.py read the same on both paths:

    config = PPOConfig().environment("CartPole-v1").env_runners(num_env_runners=1)
             .training(train_batch_size=4000).framework("torch").debugging(seed=0)
    algo = config.build_algo()
    result = algo.train();  result["env_runners"]["episode_return_mean"]
    path = algo.save_to_path("checkpoints/ppo_cartpole");  Algorithm.from_checkpoint(path)
    algo.get_module().forward_inference({"obs": obs_batch})["action_dist_inputs"]

The environment is cartpole_env.CartPoleEnv (CartPole-v1 in NumPy). Like RLlib, episode_return_mean is the
mean return of the last 100 finished episodes. It is a teaching copy, not RLlib: one process, no Ray
workers (num_env_runners only sets how many environments step together).
"""
import json
import os
from collections import deque

import numpy as np
import torch
from torch import nn

import cartpole_env


class PPOConfig:
    def __init__(self):
        self.env = None
        self.num_env_runners = 1
        self.num_envs_per_env_runner = 8
        self.train_batch_size = 4000
        self.minibatch_size = 256
        self.num_epochs = 10
        self.lr = 3e-4
        self.gamma = 0.99
        self.lambda_ = 0.95
        self.clip_param = 0.2
        self.vf_loss_coeff = 0.5
        self.entropy_coeff = 0.0
        self.seed = 0
        self.framework_str = "torch"

    def environment(self, env):
        self.env = env
        return self

    def env_runners(self, num_env_runners=None, num_envs_per_env_runner=None):
        if num_env_runners is not None:
            self.num_env_runners = num_env_runners
        if num_envs_per_env_runner is not None:
            self.num_envs_per_env_runner = num_envs_per_env_runner
        return self

    def training(self, **kwargs):
        for key, value in kwargs.items():
            if key == "lambda":
                key = "lambda_"
            if not hasattr(self, key):
                raise TypeError(f"training() got an unexpected keyword argument {key!r}")
            setattr(self, key, value)
        return self

    def framework(self, framework):
        if framework != "torch":
            raise ValueError("minippo only has the torch framework")
        return self

    def debugging(self, seed=None):
        if seed is not None:
            self.seed = seed
        return self

    def to_dict(self):
        return {k: v for k, v in vars(self).items()}

    def build_algo(self):
        if self.env is None:
            raise ValueError("set the environment first: PPOConfig().environment('CartPole-v1')")
        return Algorithm(self)


class PPOModule(nn.Module):
    """Separate policy and value networks (64-64, tanh), like RLlib's default PPO RLModule for CartPole."""

    def __init__(self, obs_dim, num_actions):
        super().__init__()
        self.pi = nn.Sequential(nn.Linear(obs_dim, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, num_actions))
        self.vf = nn.Sequential(nn.Linear(obs_dim, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 1))

    def forward_inference(self, batch):
        with torch.no_grad():
            return {"action_dist_inputs": self.pi(batch["obs"])}

    def forward_train(self, obs):
        return self.pi(obs), self.vf(obs).squeeze(-1)


class Algorithm:
    def __init__(self, config):
        self.config = config
        torch.manual_seed(config.seed)
        self._rng = np.random.default_rng(config.seed)
        n_envs = max(1, config.num_env_runners) * config.num_envs_per_env_runner
        self.envs = [cartpole_env.make(config.env) for _ in range(n_envs)]
        self.obs = np.stack([env.reset(seed=config.seed + i)[0] for i, env in enumerate(self.envs)])
        self.module = PPOModule(self.obs.shape[1], self.envs[0].action_space.n)
        self.optimizer = torch.optim.Adam(self.module.parameters(), lr=config.lr)
        self.iteration = 0
        self.timesteps = 0
        self.returns = deque(maxlen=100)
        self._running = np.zeros(n_envs)

    def get_module(self, module_id="default_policy"):
        return self.module

    def _sample(self):
        """train_batch_size steps from all environments at once; returns the batch with GAE advantages."""
        n_envs = len(self.envs)
        steps = -(-self.config.train_batch_size // n_envs)
        obs_buf = np.zeros((steps, n_envs, self.obs.shape[1]), dtype=np.float32)
        act_buf = np.zeros((steps, n_envs), dtype=np.int64)
        logp_buf = np.zeros((steps, n_envs), dtype=np.float32)
        rew_buf = np.zeros((steps, n_envs), dtype=np.float32)
        done_buf = np.zeros((steps, n_envs), dtype=np.float32)
        val_buf = np.zeros((steps + 1, n_envs), dtype=np.float32)
        for t in range(steps):
            obs_t = torch.from_numpy(self.obs)
            with torch.no_grad():
                logits, value = self.module.forward_train(obs_t)
                dist = torch.distributions.Categorical(logits=logits)
                action = dist.sample()
            obs_buf[t], act_buf[t] = self.obs, action.numpy()
            logp_buf[t], val_buf[t] = dist.log_prob(action).numpy(), value.numpy()
            for i, env in enumerate(self.envs):
                obs, reward, terminated, truncated, _ = env.step(int(action[i]))
                rew_buf[t, i] = reward
                self._running[i] += reward
                if truncated and not terminated:
                    # bootstrap the value of the state the time limit cut off
                    with torch.no_grad():
                        rew_buf[t, i] += self.config.gamma * float(self.module.forward_train(torch.from_numpy(obs)[None])[1])
                if terminated or truncated:
                    self.returns.append(self._running[i])
                    self._running[i] = 0
                    obs, _ = env.reset()
                    done_buf[t, i] = 1.0
                self.obs[i] = obs
        with torch.no_grad():
            val_buf[steps] = self.module.forward_train(torch.from_numpy(self.obs))[1].numpy()
        adv = np.zeros((steps, n_envs), dtype=np.float32)
        last = np.zeros(n_envs, dtype=np.float32)
        for t in reversed(range(steps)):
            nonterminal = 1.0 - done_buf[t]
            delta = rew_buf[t] + self.config.gamma * val_buf[t + 1] * nonterminal - val_buf[t]
            last = delta + self.config.gamma * self.config.lambda_ * nonterminal * last
            adv[t] = last
        ret = adv + val_buf[:steps]
        flat = lambda a: torch.from_numpy(a.reshape(steps * n_envs, *a.shape[2:]))  # noqa: E731
        self.timesteps += steps * n_envs
        return flat(obs_buf), flat(act_buf), flat(logp_buf), flat(adv), flat(ret)

    def train(self):
        obs, act, old_logp, adv, ret = self._sample()
        adv = (adv - adv.mean()) / (adv.std() + 1e-8)
        n = obs.shape[0]
        for _ in range(self.config.num_epochs):
            for idx in torch.randperm(n).split(self.config.minibatch_size):
                logits, value = self.module.forward_train(obs[idx])
                dist = torch.distributions.Categorical(logits=logits)
                ratio = torch.exp(dist.log_prob(act[idx]) - old_logp[idx])
                clipped = torch.clamp(ratio, 1 - self.config.clip_param, 1 + self.config.clip_param)
                policy_loss = -torch.min(ratio * adv[idx], clipped * adv[idx]).mean()
                vf_loss = ((value - ret[idx]) ** 2).mean()
                loss = policy_loss + self.config.vf_loss_coeff * vf_loss - self.config.entropy_coeff * dist.entropy().mean()
                self.optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(self.module.parameters(), 0.5)
                self.optimizer.step()
        self.iteration += 1
        mean = float(np.mean(self.returns)) if self.returns else float("nan")
        return {
            "training_iteration": self.iteration,
            "num_env_steps_sampled_lifetime": self.timesteps,
            "env_runners": {"episode_return_mean": mean, "num_episodes_lifetime": None},
            "learners": {"default_policy": {"policy_loss": float(policy_loss), "vf_loss": float(vf_loss)}},
        }

    def save_to_path(self, path=None):
        path = os.path.abspath(path or os.path.join("checkpoints", f"ppo_{self.iteration}"))
        os.makedirs(path, exist_ok=True)
        torch.save(self.module.state_dict(), os.path.join(path, "module.pt"))
        with open(os.path.join(path, "algorithm_state.json"), "w") as f:
            json.dump({"config": self.config.to_dict(), "iteration": self.iteration, "timesteps": self.timesteps}, f, indent=2)
        return path

    def restore_from_path(self, path):
        self.module.load_state_dict(torch.load(os.path.join(path, "module.pt")))
        with open(os.path.join(path, "algorithm_state.json")) as f:
            state = json.load(f)
        self.iteration, self.timesteps = state["iteration"], state["timesteps"]

    @classmethod
    def from_checkpoint(cls, path):
        with open(os.path.join(path, "algorithm_state.json")) as f:
            config = PPOConfig()
            for key, value in json.load(f)["config"].items():
                setattr(config, key, value)
        algo = cls(config)
        algo.restore_from_path(path)
        return algo

    def stop(self):
        for env in self.envs:
            env.close()
