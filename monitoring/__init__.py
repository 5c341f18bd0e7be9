"""Observability as code: what is scraped, the alerts (PrometheusRules) and the Grafana dashboards."""
