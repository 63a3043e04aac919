# Step 1: the reference (training) data set and the model whose inputs and predictions are watched.
# The course names this script but gives none (ailab: written for the lab). Synthetic classification
# data from scikit-learn: five numeric features f0..f4, a categorical feature `segment`, the label
# `target`, and the model's `prediction`. Saves data/reference.csv and the model (data/model.pkl),
# which stream_data.py uses to predict on new batches.
import argparse
import os
import pickle

import numpy as np
import pandas as pd
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

FEATURES = ["f0", "f1", "f2", "f3", "f4"]
SEGMENTS = ["A", "B", "C"]


POPULATION = 20000


def make_population(seed=42):
    """The stable world: one draw of 20000 rows; the reference takes its first rows, the stream the
    others. (make_classification's shift and scale depend on n_samples: one n for both.)"""
    n = POPULATION
    x, y = make_classification(n_samples=n, n_features=5, n_informative=3, n_redundant=1,
                               random_state=seed)
    df = pd.DataFrame(x, columns=FEATURES)
    rng = np.random.default_rng(seed)
    df["segment"] = rng.choice(SEGMENTS, size=n, p=[0.5, 0.3, 0.2])
    df["target"] = y
    return df


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=2000)
    args = ap.parse_args()
    os.makedirs("data", exist_ok=True)
    ref = make_population().iloc[: min(args.rows, 5000)].reset_index(drop=True)
    model = LogisticRegression(max_iter=1000).fit(ref[FEATURES], ref["target"])
    ref["prediction"] = model.predict(ref[FEATURES])
    ref.to_csv("data/reference.csv", index=False)
    with open("data/model.pkl", "wb") as f:
        pickle.dump(model, f)
    acc = (ref["prediction"] == ref["target"]).mean()
    print(f"Saved data/reference.csv ({len(ref)} rows, columns {', '.join(ref.columns)}); "
          f"model accuracy on it {acc:.3f}")


if __name__ == "__main__":
    main()
