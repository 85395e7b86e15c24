"""The `wms` command: init, run, worker, user, token, check, bench."""
from __future__ import annotations

import logging
import sys

import click
from waitress import serve

from wms import auth, config, scheduler, setup
from wms import demo as demo_data
from wms.app import create_app, tune_gc_for_serving
from wms.bench import run_all
from wms.errors import WmsError
from wms.inventory.queries import check_ledger
from wms.orders.queries import check_reservations


def _app(**overrides):
    return create_app(overrides or None)


@click.group()
def main() -> None:
    """Warehouse and order-fulfillment service."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # Each run of a 2-second job would otherwise log two lines; failures still show as errors.
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)


@main.command()
@click.option("--demo", is_flag=True, help="Add a demo warehouse: layout, products, stock, users, a token.")
def init(demo: bool) -> None:
    """Create or upgrade the schema (Alembic migrations)."""
    app = _app()
    with app.app_context():
        setup.upgrade_schema()
        setup.ensure_fixed_locations()
        click.echo(f"schema is current on {app.config['SQLALCHEMY_DATABASE_URI'].split('@')[-1]}")
        if demo:
            for line in demo_data.install():
                click.echo(line)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
# Threads waiting on the database cost little, and storefront requests that wait together are
# committed together (wms/combining.py): more threads, larger batches, more orders a second.
@click.option("--threads", default=32, show_default=True, type=int, help="Request threads.")
def run(host: str, port: int, threads: int) -> None:
    """Web server and scheduler in one process (the embedded default)."""
    app = _app()
    if config.settings(app).scheduler in ("on", "auto"):
        scheduler.build(app).start()
        click.echo("scheduler started")
    click.echo(f"wms serving on http://{host}:{port}/  (API under /api/v1, OpenAPI at /api/v1/openapi.json)")
    tune_gc_for_serving()
    serve(app, host=host, port=port, threads=threads, ident="wms")


@main.command()
def worker() -> None:
    """Scheduler jobs only, for production beside gunicorn."""
    app = _app()
    jobs = scheduler.jobs(app)
    click.echo(f"worker running {len(jobs)} jobs: {', '.join(j.name for j in jobs)}")
    tune_gc_for_serving()
    scheduler.build(app, blocking=True).start()


@main.group()
def user() -> None:
    """Manage users."""


@user.command("create")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["admin", "supervisor", "receiver", "picker", "packer",
                                                          "storefront"]))
@click.option("--password", default=None, help="Generated and printed when left out.")
def user_create(name: str, role: str, password: str | None) -> None:
    """Create a user who signs in to the screens."""
    app = _app()
    with app.app_context():
        try:
            _, password_used = auth.create_user(name, role, password)
        except WmsError as err:
            raise click.ClickException(err.message) from None
    click.echo(f"user {name} ({role}) created")
    if password is None:
        click.echo(f"password: {password_used}")


@main.group()
def token() -> None:
    """Manage API tokens."""


@token.command("create")
@click.option("--role", required=True, type=click.Choice(["admin", "supervisor", "receiver", "picker", "packer",
                                                          "storefront"]))
@click.option("--name", default=None)
def token_create(role: str, name: str | None) -> None:
    """Print a new bearer token once; only its hash is stored."""
    app = _app()
    with app.app_context():
        click.echo(auth.create_token(role, name))


@main.command()
def check() -> None:
    """Verify the stock ledger; exit 1 with a report when it does not hold."""
    app = _app()
    with app.app_context():
        problems = check_ledger() + check_reservations()
    if not problems:
        click.echo("ledger ok: every quant equals its moves, no negative or over-reserved stock, "
                   "reservations match")
        return
    click.echo(f"ledger has {len(problems)} problem(s):")
    for p in problems:
        lot = f" lot {p.lot}" if p.lot else ""
        click.echo(f"  {p.kind}: {p.sku} at {p.location}{lot}: {p.detail}")
    sys.exit(1)


@main.command()
@click.option("--quick", is_flag=True, help="Smaller samples, for a smoke run.")
def bench(quick: bool) -> None:
    """Run the benchmark suite and print one table."""
    run_all(quick=quick, echo=click.echo)
