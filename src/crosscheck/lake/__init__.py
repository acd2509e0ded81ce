"""The optional scale-out: the pipeline's stages on Ray Data (engine) writing a Parquet lake by month (store), and the
import of a lake into a workspace. Only the command line and the dashboard's start-up import this package; it needs
the `cluster` extra (ray[data]) for the engine.
"""
