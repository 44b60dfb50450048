"""Start or stop the demo's local MLflow tracking server: `manage.py demo_mlflow start|stop` (used by
`make demo`). Its data lives in var/mlflow/, so the runs survive restarts of the demo."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from metrics.mlflow.local_server import LocalMlflowServer, running_from_pid_file, stop_from_pid_file

DEFAULT_PORT = 5055


class Command(BaseCommand):
    help = "Start (detached) or stop the demo's local MLflow server (var/mlflow/)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["start", "stop"])
        parser.add_argument("--port", type=int, default=DEFAULT_PORT)

    def handle(self, *args, action: str, port: int, **options) -> None:
        root = settings.VAR_DIR / "mlflow"
        if action == "stop":
            stopped = stop_from_pid_file(root)
            self.stdout.write("Demo MLflow server stopped." if stopped else "No demo MLflow server was running.")
            return
        running = running_from_pid_file(root)
        if running is not None:
            if running[1] != port:
                raise CommandError(f"A demo MLflow server already runs on port {running[1]}; stop it first.")
            self.stdout.write(f"Demo MLflow server already running at http://127.0.0.1:{port}")
            return
        server = LocalMlflowServer(root=root, port=port)
        try:
            server.start()
        except RuntimeError as exc:
            raise CommandError(f"The demo MLflow server did not start (is port {port} free?): {exc}") from exc
        # Detach: the server outlives this command; `demo_mlflow stop` ends it through the pid file.
        server.process = None
        self.stdout.write(f"Demo MLflow server at {server.uri} (data in {root})")
