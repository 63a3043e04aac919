"""Week 12 - the cost worksheet (lab84_costs.csv) the course's "Excel" stands for: one row per run,
one change per row, TotalCostUSD = compute + storage + network, Savings% against the baseline row.

  python3 costs.py add lab84_costs.csv --run-id baseline --change "FP32, batch 128, on-demand" \\
      --cloud aws --region us-east-1 --instance g5.2xlarge --pricing on-demand --metrics runs/baseline.log
  python3 costs.py check lab84_costs.csv      # recompute every total and saving; the best row
  python3 costs.py report lab84_costs.csv report.md [--plot pareto.png]

Prices come from prices.json (ailab's price table, data/cloud-prices.json: list prices with the date
and the pricing page they came from); --usd-per-hour overrides it. Compute is billed for the
training time, the disk pro rata per hour (a month = 730 h), the network per GB moved.
Standard library only (matplotlib for --plot when it is installed).
"""

import argparse
import csv
import json
import os
import sys

COLUMNS = [
    "RunID", "Change", "Cloud", "Region", "Instance", "Pricing", "Precision", "BatchSize", "GradAccum",
    "Throughput_per_s", "Latency_p50_ms", "Latency_p95_ms", "GPUUtil_pct", "TrainTime_min", "Accuracy_pct",
    "ComputeUSD", "StorageUSD", "NetworkUSD", "TotalCostUSD", "SavingsVsBaseline_pct", "Notes",
]
HOURS_PER_MONTH = 730


def read_rows(path):
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def write_rows(path, rows):
    tmp = path + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)
    os.replace(tmp, path)


def price(table_path, cloud, instance, region, pricing):
    with open(table_path) as f:
        table = json.load(f)
    c = table["clouds"][cloud]
    try:
        entry = c["instances"][instance]["prices"][region]
    except KeyError:
        sys.exit(f"costs.py: {instance} in {region} is not in {table_path}: pass --usd-per-hour from {c['source']['onDemand']}")
    usd = entry["spot" if pricing == "spot" else "onDemand"]
    return usd, c["diskUsdPerGbMonth"], f"{table['asOf']} list price, {c['source']['spot' if pricing == 'spot' else 'onDemand']}"


def last_metrics(log_path):
    found = None
    with open(log_path) as f:
        for line in f:
            if line.startswith("METRICS "):
                found = json.loads(line[len("METRICS "):])
    if found is None:
        sys.exit(f"costs.py: no METRICS line in {log_path} (did train.py finish?)")
    return found


def savings(rows):
    base = next((r for r in rows if r["RunID"] == "baseline"), None)
    for r in rows:
        if base and float(base["TotalCostUSD"]) > 0:
            b = float(base["TotalCostUSD"])
            r["SavingsVsBaseline_pct"] = f"{(b - float(r['TotalCostUSD'])) / b * 100:.1f}"
        else:
            r["SavingsVsBaseline_pct"] = ""


def cmd_add(a):
    m = last_metrics(a.metrics)
    usd_h, disk_usd, source = price(a.prices, a.cloud, a.instance, a.region, a.pricing)
    if a.usd_per_hour is not None:
        usd_h, source = a.usd_per_hour, "given with --usd-per-hour"
    hours = m["train_seconds"] / 3600
    compute = usd_h * hours
    storage = a.disk_gb * disk_usd * hours / HOURS_PER_MONTH
    network = a.egress_gb * a.egress_usd_per_gb
    row = {
        "RunID": a.run_id, "Change": a.change, "Cloud": a.cloud, "Region": a.region, "Instance": a.instance,
        "Pricing": a.pricing, "Precision": m["precision"], "BatchSize": m["batch_size"], "GradAccum": m["grad_accum"],
        "Throughput_per_s": m["throughput_per_s"], "Latency_p50_ms": m["latency_p50_ms"],
        "Latency_p95_ms": m["latency_p95_ms"], "GPUUtil_pct": "" if m["gpu_util_pct"] is None else m["gpu_util_pct"],
        "TrainTime_min": f"{m['train_seconds'] / 60:.4f}", "Accuracy_pct": m["accuracy_pct"],
        "ComputeUSD": f"{compute:.6f}", "StorageUSD": f"{storage:.6f}", "NetworkUSD": f"{network:.6f}",
        "TotalCostUSD": f"{compute + storage + network:.6f}", "SavingsVsBaseline_pct": "",
        "Notes": "; ".join(x for x in [a.notes, f"{usd_h} USD/h ({source}) on {m['device']}"] if x),
    }
    rows = [r for r in read_rows(a.csv) if r["RunID"] != a.run_id] + [row]
    savings(rows)
    write_rows(a.csv, rows)
    print(f"{a.run_id}: {row['TotalCostUSD']} USD, {row['Throughput_per_s']}/s, accuracy {row['Accuracy_pct']}%, "
          f"savings {row['SavingsVsBaseline_pct'] or '-'}%")


def analyse(rows, tolerance):
    """Check the arithmetic of every row; return problems and the findings."""
    problems = []
    base = next((r for r in rows if r["RunID"] == "baseline"), None)
    if base is None:
        problems.append("no baseline row (RunID baseline)")
    for r in rows:
        parts = sum(float(r[k] or 0) for k in ("ComputeUSD", "StorageUSD", "NetworkUSD"))
        if abs(parts - float(r["TotalCostUSD"])) > 0.01:
            problems.append(f"{r['RunID']}: TotalCostUSD {r['TotalCostUSD']} != compute+storage+network {parts:.6f}")
        if base and float(base["TotalCostUSD"]) > 0:
            b = float(base["TotalCostUSD"])
            want = (b - float(r["TotalCostUSD"])) / b * 100
            if r["SavingsVsBaseline_pct"] == "" or abs(want - float(r["SavingsVsBaseline_pct"])) > 0.1:
                problems.append(f"{r['RunID']}: SavingsVsBaseline_pct {r['SavingsVsBaseline_pct']!r} != {want:.1f}")
    findings = {}
    if base:
        acc0 = float(base["Accuracy_pct"])
        ok = [r for r in rows if r["RunID"] != "baseline" and float(r["Accuracy_pct"]) >= acc0 - tolerance]
        findings["outside_tolerance"] = [r["RunID"] for r in rows if r["RunID"] != "baseline" and r not in ok]
        if ok:
            best = max(ok, key=lambda r: float(r["SavingsVsBaseline_pct"] or 0))
            findings["best"] = best
        # Pareto front: no other row is both cheaper (or as cheap) and faster (or as fast).
        def dominated(r):
            return any(
                float(o["TotalCostUSD"]) <= float(r["TotalCostUSD"]) and float(o["Throughput_per_s"]) >= float(r["Throughput_per_s"])
                and (float(o["TotalCostUSD"]) < float(r["TotalCostUSD"]) or float(o["Throughput_per_s"]) > float(r["Throughput_per_s"]))
                for o in rows
            )
        findings["pareto"] = [r["RunID"] for r in rows if not dominated(r)]
    return problems, findings


def cmd_check(a):
    rows = read_rows(a.csv)
    problems, f = analyse(rows, a.tolerance)
    print(f"rows={len(rows)}")
    if "best" in f:
        b = f["best"]
        print(f"best={b['RunID']} best_savings_pct={b['SavingsVsBaseline_pct']} best_accuracy_pct={b['Accuracy_pct']}")
    if f.get("outside_tolerance"):
        print("outside accuracy tolerance (not eligible): " + ", ".join(f["outside_tolerance"]))
    if f.get("pareto"):
        print("pareto=" + ",".join(f["pareto"]))
    base = next((r for r in rows if r["RunID"] == "baseline"), None)
    for r in rows:
        speedup = float(r["Throughput_per_s"]) / float(base["Throughput_per_s"]) if base and float(base["Throughput_per_s"]) > 0 else 0
        print(f"row={r['RunID']} speedup={speedup:.2f} savings_pct={r['SavingsVsBaseline_pct'] or '-'} "
              f"accuracy_pct={r['Accuracy_pct']} gpu_util_pct={r['GPUUtil_pct'] or '-'}")
    for p in problems:
        print("ERROR " + p, file=sys.stderr)
    sys.exit(1 if problems else 0)


def cmd_report(a):
    rows = read_rows(a.csv)
    problems, f = analyse(rows, a.tolerance)
    if problems:
        sys.exit("costs.py: fix the worksheet first:\n  " + "\n  ".join(problems))
    by = {r["RunID"]: r for r in rows}
    lines = ["# Lab 84 - cost optimisation report", "",
             "| RunID | Change | Pricing | Precision | Throughput/s | p95 ms | Time (min) | Accuracy % | Total USD | Savings % |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        lines.append(f"| {r['RunID']} | {r['Change']} | {r['Pricing']} | {r['Precision']} | {r['Throughput_per_s']} | "
                     f"{r['Latency_p95_ms']} | {float(r['TrainTime_min']):.2f} | {r['Accuracy_pct']} | "
                     f"{float(r['TotalCostUSD']):.4f} | {r['SavingsVsBaseline_pct']} |")
    lines.append("")
    lines.append("Pareto-optimal (TotalCostUSD vs Throughput/s): " + ", ".join(f.get("pareto", [])))
    if "best" in f:
        b = f["best"]
        lines.append(f"Promote: {b['RunID']} ({b['Change']}), {b['SavingsVsBaseline_pct']}% cheaper than the baseline "
                     f"at {b['Accuracy_pct']}% accuracy (tolerance {a.tolerance} pt).")
    if f.get("outside_tolerance"):
        lines.append("Outside the accuracy tolerance: " + ", ".join(f["outside_tolerance"]))
    if "baseline" in by and "spot" in by:
        b, s = float(by["baseline"]["ComputeUSD"]), float(by["spot"]["ComputeUSD"])
        lines.append(f"Spot compute cut: {(b - s) / b * 100:.1f}% (the course: 60-80% typical).")
    if "baseline" in by and "amp" in by:
        b, s = float(by["baseline"]["TrainTime_min"]), float(by["amp"]["TrainTime_min"])
        lines.append(f"AMP time cut: {(b - s) / b * 100:.1f}% (the course: 20-40% typical with larger batches).")
    if "baseline" in by:
        b = by["baseline"]
        usd_h, _, source = price(a.prices, b["Cloud"], b["Instance"], b["Region"], "on-demand")
        lines.append(f"4.10 Reservations: a {b['Instance']} running 24/7 costs {usd_h * HOURS_PER_MONTH:.2f} USD/month on demand "
                     f"({source}); compare with a Savings Plan / Committed Use Discount quote for it.")
    with open(a.out, "w") as out:
        out.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    if a.plot:
        try:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            print("matplotlib is not installed: no plot")
            return
        fig, ax = plt.subplots(figsize=(6, 4))
        for r in rows:
            x, y = float(r["TotalCostUSD"]), float(r["Throughput_per_s"])
            ax.scatter(x, y, color="tab:green" if r["RunID"] in f.get("pareto", []) else "tab:gray")
            ax.annotate(r["RunID"], (x, y))
        ax.set_xlabel("TotalCostUSD")
        ax.set_ylabel("Throughput/s")
        ax.set_title("Cost vs throughput (green: Pareto-optimal)")
        fig.tight_layout()
        fig.savefig(a.plot)
        print(f"plot: {a.plot}")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    add = sub.add_parser("add", help="add (or replace) a row from train.py's METRICS line")
    add.add_argument("csv")
    add.add_argument("--run-id", required=True)
    add.add_argument("--change", required=True)
    add.add_argument("--cloud", required=True, choices=["aws", "gcp"])
    add.add_argument("--region", required=True)
    add.add_argument("--instance", required=True)
    add.add_argument("--pricing", choices=["on-demand", "spot"], default="on-demand")
    add.add_argument("--metrics", required=True, help="train.py's output (its last METRICS line)")
    add.add_argument("--prices", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "prices.json"))
    add.add_argument("--usd-per-hour", type=float)
    add.add_argument("--disk-gb", type=float, default=200)
    add.add_argument("--egress-gb", type=float, default=0.0)
    add.add_argument("--egress-usd-per-gb", type=float, default=0.0)
    add.add_argument("--notes", default="")
    add.set_defaults(fn=cmd_add)
    for name, fn in (("check", cmd_check), ("report", cmd_report)):
        s = sub.add_parser(name)
        s.add_argument("csv")
        if name == "report":
            s.add_argument("out")
            s.add_argument("--plot")
        s.add_argument("--tolerance", type=float, default=1.0, help="accuracy points a row may lose")
        s.add_argument("--prices", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "prices.json"))
        s.set_defaults(fn=fn)
    a = p.parse_args()
    a.fn(a)


if __name__ == "__main__":
    main()
