"""A webhook receiver for the demo: verifies each delivery (standardwebhooks) and prints it, once per webhook-id.

Listens on 127.0.0.1 only. The secret is given with --secret, or read from the webhooks of this installation that
point at the receiver's port (the demo's is seeded by seed_collaboration_demo): a demo convenience; a real receiver
keeps the secret shown when its webhook was created.
"""

from __future__ import annotations

import http.server
import json
from typing import Any

from django.core.management.base import BaseCommand
from standardwebhooks import Webhook, WebhookVerificationError

from collaboration.demo import DEMO_RECEIVER_PORT
from collaboration.webhooks.models import WebhookSubscription


class Command(BaseCommand):
    help = "Run a demo webhook receiver on 127.0.0.1 that verifies and prints every delivery (Ctrl-C stops it)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=DEMO_RECEIVER_PORT)
        parser.add_argument("--secret", action="append", default=[], help="whsec_... (repeatable)")

    def handle(self, *args: Any, port: int, secret: list[str], **options: Any) -> None:
        secrets = secret or list(
            WebhookSubscription.objects.filter(url__startswith=f"http://127.0.0.1:{port}/").values_list(
                "secret", flat=True
            )
        )
        if not secrets:
            self.stderr.write(f"No secret: pass --secret, or create a webhook to http://127.0.0.1:{port}/...")
            return
        server = http.server.HTTPServer(("127.0.0.1", port), self._handler([Webhook(s) for s in secrets]))
        self.stdout.write(f"Receiving webhooks on http://127.0.0.1:{port}/ (Ctrl-C stops)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()

    def _handler(self, verifiers: list[Webhook]) -> type[http.server.BaseHTTPRequestHandler]:
        command, seen = self, set()

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802  (http.server's name)
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                headers = dict(self.headers.items())
                message = None
                for verifier in verifiers:
                    try:
                        message = verifier.verify(body, headers)
                        break
                    except WebhookVerificationError:
                        continue
                if message is None:
                    command.stdout.write("refused: bad signature")
                    self.send_response(401)
                    self.end_headers()
                    return
                msg_id = self.headers["webhook-id"]
                if msg_id in seen:
                    command.stdout.write(f"{msg_id} again (already processed): ignored")
                else:
                    seen.add(msg_id)
                    command.stdout.write(f"{msg_id} {message['type']}: {json.dumps(message['data'], sort_keys=True)}")
                self.send_response(204)
                self.end_headers()

        return Handler
