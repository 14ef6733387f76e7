"""What operators watch: health and readiness (`health.py`) and Prometheus metrics (`metrics.py`)."""
