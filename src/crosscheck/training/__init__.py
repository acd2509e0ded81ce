"""Model research the dashboard never runs: training data, pair generation, training, evaluation.

This package imports the runtime (crosscheck.models, crosscheck.segment …); no
runtime module imports it, except the `crosscheck` command line registering `train-stance` and
`eval` (tests/test_layout.py checks both directions and that there are no import cycles).

    data              reading the stance data: FNC-1/ARC, SNLI, labelled pair files, held-out rows, splits
    event_pairs       training pairs written from an OSINT event log and officials' press releases
    train             relatedness gate + cross-encoder training, calibration, saving (`crosscheck train-stance`)
    evaluate          FNC-1 score, per-class and macro-F1, confusion matrix (`crosscheck eval`)
    cli               the `train-stance` and `eval` commands
    make_synthetic    writes data/eval/synthetic_pairs.csv (python -m crosscheck.training.make_synthetic)
    build_real_pairs  writes data/eval/real_pairs.csv (python -m crosscheck.training.build_real_pairs)
"""
