"""The database: every SQL statement of the runtime lives in this package.

    connection  connect, transaction
    writer      the one writer thread of the app process
    schema      tables, meta, schema and model checks, data version
    sql         placeholders, the one definition of a claim and a report, the filter builder
    reads       reads as DataFrames and dicts
    writes      documents, statements, matches, actors, verdicts
    vectors     statements with their embeddings, for matching and clustering

Other modules call these functions; they never call `execute` themselves.
"""
