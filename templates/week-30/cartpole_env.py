"""CartPole-v1 in NumPy with gymnasium's API, for agent=torch (no gymnasium, no pygame needed).

The same physics as gymnasium's classic_control CartPole-v1 (Barto, Sutton and Anderson's cart-pole, Euler
integration every 0.02 s), the same observation (cart position and velocity, pole angle and angular
velocity), actions (0 push left, 1 push right), reward (+1 per step), termination (|angle| > 12 degrees or
|position| > 2.4) and truncation after 500 steps. reset(seed=...) returns (obs, info) and step(action)
returns (obs, reward, terminated, truncated, info), as gymnasium >= 0.26 does.
render_mode="human" draws the cart as a line of text in the terminal.
"""
import math

import numpy as np


class Discrete:
    def __init__(self, n, rng):
        self.n = n
        self._rng = rng

    def sample(self):
        return int(self._rng.integers(self.n))


class Box:
    def __init__(self, high):
        self.high = np.asarray(high, dtype=np.float32)
        self.low = -self.high
        self.shape = self.high.shape
        self.dtype = np.float32


class CartPoleEnv:
    gravity = 9.8
    masscart = 1.0
    masspole = 0.1
    total_mass = masspole + masscart
    length = 0.5  # half the pole's length
    polemass_length = masspole * length
    force_mag = 10.0
    tau = 0.02
    theta_threshold_radians = 12 * 2 * math.pi / 360
    x_threshold = 2.4
    max_episode_steps = 500

    def __init__(self, render_mode=None):
        self.render_mode = render_mode
        self._rng = np.random.default_rng()
        high = [self.x_threshold * 2, np.finfo(np.float32).max, self.theta_threshold_radians * 2, np.finfo(np.float32).max]
        self.observation_space = Box(high)
        self.action_space = Discrete(2, self._rng)
        self.state = None
        self._steps = 0

    def reset(self, seed=None, options=None):
        if seed is not None:
            self._rng = np.random.default_rng(seed)
            self.action_space = Discrete(2, self._rng)
        self.state = self._rng.uniform(-0.05, 0.05, size=(4,))
        self._steps = 0
        return np.array(self.state, dtype=np.float32), {}

    def step(self, action):
        if self.state is None:
            raise RuntimeError("call reset() before step()")
        if int(action) not in (0, 1):
            raise ValueError(f"invalid action {action!r}: CartPole has actions 0 and 1")
        x, x_dot, theta, theta_dot = self.state
        force = self.force_mag if int(action) == 1 else -self.force_mag
        costheta, sintheta = math.cos(theta), math.sin(theta)
        temp = (force + self.polemass_length * theta_dot**2 * sintheta) / self.total_mass
        thetaacc = (self.gravity * sintheta - costheta * temp) / (
            self.length * (4.0 / 3.0 - self.masspole * costheta**2 / self.total_mass)
        )
        xacc = temp - self.polemass_length * thetaacc * costheta / self.total_mass
        x = x + self.tau * x_dot
        x_dot = x_dot + self.tau * xacc
        theta = theta + self.tau * theta_dot
        theta_dot = theta_dot + self.tau * thetaacc
        self.state = np.array([x, x_dot, theta, theta_dot])
        self._steps += 1
        terminated = bool(abs(x) > self.x_threshold or abs(theta) > self.theta_threshold_radians)
        truncated = self._steps >= self.max_episode_steps and not terminated
        if self.render_mode == "human":
            self.render()
        return np.array(self.state, dtype=np.float32), 1.0, terminated, truncated, {}

    def render(self):
        width = 41
        pos = int(round((self.state[0] / self.x_threshold + 1) / 2 * (width - 1)))
        pole = "/" if self.state[2] > 0.02 else "\\" if self.state[2] < -0.02 else "|"
        line = [" "] * width
        line[min(max(pos, 0), width - 1)] = pole
        print(f"[{''.join(line)}] step {self._steps:3d}", flush=True)

    def close(self):
        pass


def make(env_id, render_mode=None):
    """gymnasium.make() for the one environment this module has."""
    if env_id != "CartPole-v1":
        raise ValueError(f"cartpole_env only has CartPole-v1, not {env_id!r}")
    return CartPoleEnv(render_mode=render_mode)
