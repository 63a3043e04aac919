# Week 3, steps 4-6: record each cloud's benchmark and build the comparison table (ailab).
#   python3 results.py DIR record CLOUD COST_PER_HOUR BENCH_OUTPUT   add or replace CLOUD's row
#   python3 results.py DIR table                                    write DIR/comparison.md
# fixed: the course's "Performance per dollar = (benchmark runtime / cost/hr)" rewards slow runs. The
# table shows the cost of one benchmark run (runtime_s / 3600 x $/h, lower is better) and the work per
# dollar (TFLOPS / ($/h), higher is better).
import csv
import os
import re
import sys

FIELDS = ["cloud", "gpu", "torch", "n", "seconds", "tflops", "cost_per_hour", "cost_per_run", "tflops_per_dollar_hour"]


def read_rows(path):
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def parse_bench(text):
    def find(pattern):
        m = re.search(pattern, text, re.M)
        if not m:
            sys.exit(f"results.py: no line matching {pattern!r} in the benchmark output")
        return m.group(1).strip()

    return {
        "gpu": find(r"^Device: (.+)$"),
        "seconds": float(find(r"^Time taken: ([0-9.]+) seconds")),
        "tflops": float(find(r"^TFLOPS: ([0-9.]+)")),
        "torch": find(r"^PyTorch: (\S+)"),
        "n": int(find(r"^Matrix: (\d+)x")),
    }


def record(directory, cloud, cost_per_hour, bench_file):
    with open(bench_file) as f:
        bench = parse_bench(f.read())
    cost = float(cost_per_hour)
    row = {
        "cloud": cloud,
        "gpu": bench["gpu"],
        "torch": bench["torch"],
        "n": bench["n"],
        "seconds": f"{bench['seconds']:.3f}",
        "tflops": f"{bench['tflops']:.3f}",
        "cost_per_hour": f"{cost:.2f}",
        "cost_per_run": f"{bench['seconds'] / 3600 * cost:.6f}",
        "tflops_per_dollar_hour": f"{bench['tflops'] / cost:.2f}" if cost > 0 else "",
    }
    path = os.path.join(directory, "results.csv")
    rows = [r for r in read_rows(path) if r["cloud"] != cloud] + [row]
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"recorded {cloud}: {row['gpu']}, {row['seconds']} s, {row['tflops']} TFLOPS, ${row['cost_per_hour']}/h")


def table(directory):
    rows = read_rows(os.path.join(directory, "results.csv"))
    if not rows:
        sys.exit("results.py: no results yet: run the benchmark on a cloud first")
    lines = [
        "| Cloud | GPU | PyTorch | Matrix | Time (s) | TFLOPS | Cost/hr ($) | Cost per run ($) | TFLOPS per $/hr |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in sorted(rows, key=lambda r: float(r["seconds"])):
        lines.append(
            f"| {r['cloud']} | {r['gpu']} | {r['torch']} | {r['n']} | {r['seconds']} | {r['tflops']} | "
            f"{r['cost_per_hour']} | {r['cost_per_run']} | {r['tflops_per_dollar_hour'] or '-'} |"
        )
    paid = [r for r in rows if float(r["cost_per_hour"]) > 0]
    lines.append("")
    fastest = max(rows, key=lambda r: float(r["tflops"]))
    lines.append(f"Best absolute performance: {fastest['cloud']} ({fastest['gpu']}, {fastest['tflops']} TFLOPS)")
    if paid:
        best = max(paid, key=lambda r: float(r["tflops_per_dollar_hour"]))
        lines.append(f"Best value for money: {best['cloud']} ({best['tflops_per_dollar_hour']} TFLOPS per $/hr)")
    text = "\n".join(lines) + "\n"
    with open(os.path.join(directory, "comparison.md"), "w") as f:
        f.write(text)
    print(text, end="")


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[2] == "record" and len(sys.argv) == 6:
        os.makedirs(sys.argv[1], exist_ok=True)
        record(sys.argv[1], *sys.argv[3:6])
    elif len(sys.argv) == 3 and sys.argv[2] == "table":
        table(sys.argv[1])
    else:
        sys.exit(__doc__ or "usage: results.py DIR record CLOUD COST_PER_HOUR BENCH_OUTPUT | results.py DIR table")
