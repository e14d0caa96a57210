#!/usr/bin/python3
"""Fixed predictions and the metrics scikit-learn computes for them: the reference Quantrace's own metric
code is tested against (tests/org.quantrace.engine.evaluate.tests). Run with Debian's python3-sklearn:
    /usr/bin/python3 tests/data/metrics/make_metric_references.py
"""
import json
import os

import numpy as np
import sklearn
from sklearn import metrics as m

HERE = os.path.dirname(os.path.abspath(__file__))


def multiclass():
    rng = np.random.default_rng(11)
    n, k = 500, 10
    y_true = rng.integers(0, k, n)
    # a classifier that is right 70% of the time, never predicts class 9, over-predicts class 0
    y_pred = np.where(rng.random(n) < 0.7, y_true, rng.integers(0, k - 1, n))
    y_pred[rng.random(n) < 0.05] = 0
    y_pred[y_pred == 9] = 8
    scores = rng.random((n, k))
    scores[np.arange(n), y_pred] += 1.0  # the predicted class scores highest
    labels = list(range(k))
    out = {"y_true": y_true.tolist(), "y_pred": y_pred.tolist(), "scores": np.round(scores, 6).tolist(), "classes": k, "metrics": {
        "accuracy": m.accuracy_score(y_true, y_pred),
        "top-3 accuracy": m.top_k_accuracy_score(y_true, np.round(scores, 6), k=3, labels=labels),
        "precision (macro)": m.precision_score(y_true, y_pred, average="macro", labels=labels, zero_division=0),
        "recall (macro)": m.recall_score(y_true, y_pred, average="macro", labels=labels, zero_division=0),
        "f1 (macro)": m.f1_score(y_true, y_pred, average="macro", labels=labels, zero_division=0),
        "precision (weighted)": m.precision_score(y_true, y_pred, average="weighted", labels=labels, zero_division=0),
        "recall (weighted)": m.recall_score(y_true, y_pred, average="weighted", labels=labels, zero_division=0),
        "f1 (weighted)": m.f1_score(y_true, y_pred, average="weighted", labels=labels, zero_division=0),
        "precision (micro)": m.precision_score(y_true, y_pred, average="micro", labels=labels, zero_division=0),
        "balanced accuracy": m.balanced_accuracy_score(y_true, y_pred),
        "cohen kappa": m.cohen_kappa_score(y_true, y_pred),
    }, "confusion_matrix": m.confusion_matrix(y_true, y_pred, labels=labels).tolist()}
    return out


def multilabel():
    rng = np.random.default_rng(12)
    n, k = 300, 5
    y_true = (rng.random((n, k)) < 0.35).astype(int)
    flip = rng.random((n, k)) < 0.15
    y_pred = np.where(flip, 1 - y_true, y_true)
    y_true[:6] = 0  # some samples with no true label ...
    y_pred[:3] = 0  # ... and some of them with no predicted label either
    return {"y_true": y_true.tolist(), "y_pred": y_pred.tolist(), "labels": k, "metrics": {
        "binary accuracy": float((y_true == y_pred).mean()),
        "precision (micro)": m.precision_score(y_true, y_pred, average="micro", zero_division=0),
        "recall (micro)": m.recall_score(y_true, y_pred, average="micro", zero_division=0),
        "f1 (micro)": m.f1_score(y_true, y_pred, average="micro", zero_division=0),
        "precision (macro)": m.precision_score(y_true, y_pred, average="macro", zero_division=0),
        "recall (macro)": m.recall_score(y_true, y_pred, average="macro", zero_division=0),
        "f1 (macro)": m.f1_score(y_true, y_pred, average="macro", zero_division=0),
        "hamming loss": m.hamming_loss(y_true, y_pred),
        "jaccard (samples)": m.jaccard_score(y_true, y_pred, average="samples", zero_division=0),
        "subset accuracy": m.accuracy_score(y_true, y_pred),
        "per-label accuracy": [float((y_true[:, j] == y_pred[:, j]).mean()) for j in range(k)],
    }}


def main():
    refs = {"sklearn": sklearn.__version__, "multiclass": multiclass(), "multilabel": multilabel()}
    with open(os.path.join(HERE, "sklearn_references.json"), "w") as f:
        json.dump(refs, f, indent=1, sort_keys=True)
        f.write("\n")
    print(json.dumps({k: refs[k]["metrics"] for k in ("multiclass", "multilabel")}, indent=1))


if __name__ == "__main__":
    main()
