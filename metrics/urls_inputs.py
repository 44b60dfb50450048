"""Pages of the metrics app: inputs."""

urlpatterns: list = []
