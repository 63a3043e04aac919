# Step 3: detect drift batch by batch and export it to Prometheus (the course names this script but
# gives none). Each batch from the stream (mock batches in data/stream/, or Kafka topic
# inference-events) is compared with data/reference.csv:
#   - data drift per feature: numeric features by the two-sample Kolmogorov-Smirnov test,
#     the categorical `segment` and the model's `prediction` by a chi-square test; a column drifts when
#     p < 0.05; the data set drifts when at least half of the features drift (Evidently's defaults for
#     batches of up to 1000 rows, so both engines agree);
#   - drift severity: the Population Stability Index (PSI) of each numeric feature;
#   - concept drift: the model's accuracy on the batch's labels against its accuracy on the reference.
# Engines (--engine): "scipy" needs only scipy; "evidently" runs Evidently's DataDriftPreset and
# TargetDriftPreset (the course's "DataDriftPreset and PredictionDriftPreset": ailab: fixed, Evidently has
# no PredictionDriftPreset; TargetDriftPreset covers the prediction column) through the legacy API
# (evidently.legacy in 0.7+, where `evidently.report` was removed; evidently.report before 0.7);
# "auto" takes Evidently when it imports, else scipy.
# Metrics on http://HOST:PORT/metrics (default localhost:8005): drift_share, dataset_drift,
# feature_drift{feature}, feature_drift_score{feature} (p-value), feature_psi{feature},
# prediction_drift, model_accuracy, reference_accuracy, concept_drift, drift_batches_processed_total,
# drift_last_batch_rows.
import argparse
import glob
import json
import os
import time

import numpy as np
import pandas as pd
from prometheus_client import Counter, Gauge, start_http_server
from scipy import stats

NUMERIC = ["f0", "f1", "f2", "f3", "f4"]
CATEGORICAL = ["segment"]
FEATURES = NUMERIC + CATEGORICAL
P_THRESHOLD = 0.05
DRIFT_SHARE = 0.5

g_share = Gauge("drift_share", "Share of features drifted in the last batch")
g_dataset = Gauge("dataset_drift", "1 when the last batch drifted as a whole (drift_share >= 0.5)")
g_feature = Gauge("feature_drift", "1 when the feature drifted in the last batch", ["feature"])
g_score = Gauge("feature_drift_score", "p-value of the feature's drift test in the last batch", ["feature"])
g_psi = Gauge("feature_psi", "Population Stability Index of the numeric feature (severity)", ["feature"])
g_pred = Gauge("prediction_drift", "1 when the model's predictions drifted in the last batch")
g_acc = Gauge("model_accuracy", "Accuracy of the model's predictions on the last batch's labels")
g_ref_acc = Gauge("reference_accuracy", "Accuracy of the model on the reference data")
g_concept = Gauge("concept_drift", "1 when the accuracy fell more than 0.1 below the reference's")
g_rows = Gauge("drift_last_batch_rows", "Rows in the last batch")
c_batches = Counter("drift_batches_processed", "Batches compared with the reference")


def psi(ref, cur, bins=10):
    edges = np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1)))
    edges[0], edges[-1] = -np.inf, np.inf
    r = np.histogram(ref, edges)[0] / len(ref) + 1e-6
    c = np.histogram(cur, edges)[0] / len(cur) + 1e-6
    return float(np.sum((c - r) * np.log(c / r)))


def chi2_p(ref, cur):
    cats = sorted(set(ref) | set(cur))
    table = np.array([[np.sum(ref == k) for k in cats], [np.sum(cur == k) for k in cats]])
    return float(stats.chi2_contingency(table)[1])


def scipy_drift(ref, cur):
    per = {}
    for col in NUMERIC:
        per[col] = float(stats.ks_2samp(ref[col], cur[col]).pvalue)
    for col in CATEGORICAL:
        per[col] = chi2_p(ref[col].astype(str).to_numpy(), cur[col].astype(str).to_numpy())
    pred_p = chi2_p(ref["prediction"].to_numpy(), cur["prediction"].to_numpy())
    return {c: (p, p < P_THRESHOLD) for c, p in per.items()}, (pred_p, pred_p < P_THRESHOLD)


def evidently_drift(ref, cur):
    try:  # Evidently 0.7+: the Report API used here lives on as evidently.legacy
        from evidently.legacy.metric_preset import DataDriftPreset, TargetDriftPreset
        from evidently.legacy.pipeline.column_mapping import ColumnMapping
        from evidently.legacy.report import Report
    except ImportError:  # Evidently 0.4-0.6
        from evidently.metric_preset import DataDriftPreset, TargetDriftPreset
        from evidently.pipeline.column_mapping import ColumnMapping
        from evidently.report import Report
    mapping = ColumnMapping(target="target", prediction="prediction",
                            numerical_features=NUMERIC, categorical_features=CATEGORICAL)
    report = Report(metrics=[DataDriftPreset(columns=FEATURES), TargetDriftPreset()])
    report.run(reference_data=ref, current_data=cur, column_mapping=mapping)
    per, pred = {}, None
    for metric in report.as_dict()["metrics"]:
        result = metric.get("result", {})
        if metric.get("metric") == "DataDriftTable":
            for col, r in result["drift_by_columns"].items():
                if col in FEATURES:
                    per[col] = (float(r["drift_score"]), bool(r["drift_detected"]))
        if metric.get("metric") == "ColumnDriftMetric" and result.get("column_name") == "prediction":
            pred = (float(result["drift_score"]), bool(result["drift_detected"]))
    return per, pred or (1.0, False)


def evaluate(engine, ref, cur, ref_acc):
    per, (pred_p, pred_drift) = engine(ref, cur)
    share = sum(d for _, d in per.values()) / len(per)
    for col, (p, drifted) in per.items():
        g_feature.labels(col).set(int(drifted))
        g_score.labels(col).set(p)
    for col in NUMERIC:
        g_psi.labels(col).set(psi(ref[col].to_numpy(), cur[col].to_numpy()))
    g_share.set(share)
    g_dataset.set(int(share >= DRIFT_SHARE))
    g_pred.set(int(pred_drift))
    g_rows.set(len(cur))
    summary = {"rows": len(cur), "drift_share": round(share, 3), "dataset_drift": share >= DRIFT_SHARE,
               "drifted": [c for c, (_, d) in per.items() if d], "prediction_drift": pred_drift}
    if "target" in cur:
        acc = float((cur["prediction"] == cur["target"]).mean())
        g_acc.set(acc)
        g_concept.set(int(acc < ref_acc - 0.1))
        summary["accuracy"] = round(acc, 3)
    c_batches.inc()
    print(json.dumps(summary), flush=True)


def mock_batches(folder):
    """Mock transport: CSV batches that stream_data.py writes atomically into `folder`."""
    done = os.path.join(folder, "processed")
    os.makedirs(done, exist_ok=True)
    while True:
        files = sorted(glob.glob(os.path.join(folder, "batch-*.csv")))
        for path in files:
            batch = pd.read_csv(path)
            os.replace(path, os.path.join(done, os.path.basename(path)))
            yield batch
        if not files:
            time.sleep(0.5)


def kafka_batches(bootstrap, topic):
    """Kafka transport: rows of topic `topic`, grouped by the batch id stream_data.py gives them."""
    from kafka import KafkaConsumer
    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id="drift-monitor",
                             auto_offset_reset="earliest",
                             value_deserializer=lambda v: json.loads(v.decode()))
    rows, current = [], None
    while True:
        polled = consumer.poll(timeout_ms=2000)
        messages = [m.value for part in polled.values() for m in part]
        for value in messages:
            if current is not None and value.get("batch") != current:
                yield pd.DataFrame(rows)
                rows = []
            current = value.get("batch")
            rows.append(value)
        if not messages and rows:  # the producer paused: the batch is complete
            yield pd.DataFrame(rows)
            rows, current = [], None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine", choices=["auto", "scipy", "evidently"], default="auto")
    ap.add_argument("--host", default="0.0.0.0", help="address for /metrics (0.0.0.0: reachable from containers)")
    ap.add_argument("--port", type=int, default=8005)
    ap.add_argument("--reference", default="data/reference.csv")
    ap.add_argument("--kafka", help="Kafka bootstrap server (host:port); without it, mock batches")
    ap.add_argument("--topic", default="inference-events")
    ap.add_argument("--stream-dir", default="data/stream")
    args = ap.parse_args()

    engine = scipy_drift
    if args.engine in ("auto", "evidently"):
        try:
            evidently_drift_check = __import__("evidently")
            engine = evidently_drift
            print(f"engine: Evidently {evidently_drift_check.__version__}", flush=True)
        except ImportError:
            if args.engine == "evidently":
                raise SystemExit("evidently is not installed: pip install 'evidently>=0.6,<0.8' or use --engine scipy")
    if engine is scipy_drift:
        print("engine: scipy (Kolmogorov-Smirnov, chi-square)", flush=True)
    ref = pd.read_csv(args.reference)
    ref_acc = float((ref["prediction"] == ref["target"]).mean())
    g_ref_acc.set(ref_acc)
    start_http_server(args.port, addr=args.host)
    print(f"Exposing Prometheus metrics at http://{args.host}:{args.port}/metrics", flush=True)
    source = kafka_batches(args.kafka, args.topic) if args.kafka else mock_batches(args.stream_dir)
    for batch in source:
        evaluate(engine, ref, batch, ref_acc)


if __name__ == "__main__":
    main()
