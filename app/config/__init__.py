"""Project configuration of the eks-platform reference app: settings, URLs, WSGI entry point."""
