"""cslake's CS 360° dashboard (Dash + Plotly) over the gold Delta tables, read without Spark."""
