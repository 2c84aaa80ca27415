#!/usr/bin/env python3
"""Every everyday command against its peer, in one table (the README's Benchmarks section).

    bench/run.py [--quick] [--no-build] [--no-callgrind] [--fmt-tree DIR] [--markdown]

Builds the release binaries, makes the inputs in a temporary directory (a 1.6 MB sealed YAML of
2,000 maps of 5 keys, kubeconfigs of 1,000 and 10,000 contexts, layouts of 200 and 2,000 stacks x
5 environments, a tree of 3,332 HCL files), runs each command and its peer side by side, and
prints: median wall time, median CPU time (user + sys of the child), instructions counted by
`valgrind --tool=callgrind` (the stable figure: wall time on a shared machine is noisy), the
peer's figures and the ratio. A peer that is not installed is said, not guessed.
"""

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEM_B64 = None


def run_once(cmd, env, cwd, stdin=None):
    """(wall s, cpu s, completed process) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    p = subprocess.run(cmd, env=env, cwd=cwd, stdin=stdin, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, p


def measure(cmd, env, cwd, runs, ok_codes=(0,), reset=None):
    """Median wall and CPU over `runs` runs after one warm-up; `reset` runs before each."""
    walls, cpus = [], []
    for i in range(runs + 1):
        if reset:
            reset(i)
        wall, cpu, p = run_once(cmd(i) if callable(cmd) else cmd, env, cwd)
        if p.returncode not in ok_codes:
            sys.exit(f"bench: {cmd if not callable(cmd) else cmd(i)} failed ({p.returncode}):\n"
                     f"{p.stderr.decode(errors='replace')}")
        if i:
            walls.append(wall)
            cpus.append(cpu)
    return statistics.median(walls), statistics.median(cpus)


def instructions(cmd, env, cwd):
    """Instructions of one run under callgrind (`Collected : N`), or None without valgrind."""
    if not shutil.which("valgrind"):
        return None
    p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"] + cmd,
                       env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    m = re.search(rb"Collected : (\d+)", p.stderr)
    return int(m.group(1)) if m else None


def ms(s):
    return f"{s * 1000:,.1f} ms" if s < 10 else f"{s:,.2f} s"


def minstr(n):
    return "-" if n is None else f"{n / 1e6:,.1f} M"


# --- inputs -----------------------------------------------------------------------------------

def sealed_yaml(work, tools, env):
    plain = work / "big.yaml"
    with plain.open("w") as f:
        for m in range(2000):
            f.write(f"service{m}:\n")
            for k in range(5):
                f.write(f"    key{k}: value-{m}-{k}-with-some-text-to-seal\n")
    key = work / "key.txt"
    subprocess.run([tools["secret-seal"], "keygen", "-o", str(key)], check=True,
                   stderr=subprocess.DEVNULL)
    public = re.search(r"# public key: (\S+)", key.read_text()).group(1)
    sealed = work / "big.sealed.yaml"
    with sealed.open("wb") as out:
        subprocess.run([tools["secret-seal"], "encrypt", "--age", public, str(plain)],
                       check=True, stdout=out, env=env)
    return plain, sealed, key, public


def kubeconfig(path, contexts):
    data = PEM_B64
    parts = ["apiVersion: v1\nclusters:\n"]
    for i in range(contexts):
        parts.append(f"- cluster:\n    certificate-authority-data: {data}\n"
                     f"    server: https://c{i}.example.com:6443\n  name: cluster-{i}\n")
    parts.append("contexts:\n")
    for i in range(contexts):
        parts.append(f"- context:\n    cluster: cluster-{i}\n    namespace: ns-{i}\n"
                     f"    user: user-{i}\n  name: context-{i}\n")
    parts.append("current-context: context-0\nkind: Config\npreferences: {}\nusers:\n")
    for i in range(contexts):
        parts.append(f"- name: user-{i}\n  user:\n    client-certificate-data: {data}\n"
                     f"    client-key-data: {data}\n")
    path.write_text("".join(parts))


def vteam_repo(repo):
    for team in ["team-a", "team-b"]:
        (repo / "stacks/teams" / team).mkdir(parents=True, exist_ok=True)
        vc = repo / "stacks/platform/vcluster"
        vc.mkdir(parents=True, exist_ok=True)
        (vc / f"vcluster-{team}.kubeconfig").write_text(
            f"apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: {PEM_B64}\n"
            f"    server: https://127.0.0.1:30443\n  name: v\ncontexts:\n- context:\n"
            f"    cluster: v\n    user: v\n  name: v\ncurrent-context: v\nkind: Config\n"
            f"users:\n- name: v\n  user:\n    client-certificate-data: {PEM_B64}\n"
            f"    client-key-data: {PEM_B64}\n")


VARIABLES = """variable "environment" {
  type    = string
  default = "dev"
}

variable "replicas" {
  type    = number
  default = 1

  validation {
    condition     = var.replicas >= 1
    error_message = "replicas must be at least 1."
  }
}

variable "image" {
  type = string
}

variable "labels" {
  type    = map(string)
  default = {}
}

variable "db_password" {
  type      = string
  sensitive = true
}
"""


def layout(root, stacks, envs, tools, env, with_secrets):
    """A layout of `stacks` stacks x `envs` environments, each with its own sealed file."""
    (root / "stacks").mkdir(parents=True)
    (root / ".sops.yaml").write_text(
        "creation_rules:\n  - path_regex: .*\\.secrets\\.tfvars\\.json$\n"
        f"    encrypted_regex: password\n    age: {env['BENCH_PUBLIC']}\n")
    def sealed(s, e):
        """A sealed file of its own (its own data key and age stanza), as in a real layout."""
        plain = root / "seed.json"
        plain.write_text(json.dumps({"db_password": f"correct-horse-battery-{s}-{e}"}))
        p = subprocess.run([tools["secret-seal"], "encrypt", "--filename-override",
                            "x.secrets.tfvars.json", str(plain)],
                           check=True, stdout=subprocess.PIPE, env=env, cwd=root)
        plain.unlink()
        return p.stdout
    for s in range(stacks):
        d = root / "stacks" / f"group{s % 20}" / f"app{s}"
        (d / "env").mkdir(parents=True)
        (d / "variables.tf").write_text(VARIABLES)
        (d / "main.tf").write_text('resource "terraform_data" "app" {\n  input = var.image\n}\n')
        for e in range(envs):
            name = ["dev", "test", "staging", "prod", f"demo-{e}"][e % 5]
            (d / "env" / f"{name}.tfvars").write_text(
                f'replicas = {e + 1}\nimage    = "registry.example.com/app{s}:1.{e}"\n'
                f'labels = {{\n  team = "group{s % 20}"\n}}\n')
            if with_secrets:
                (d / "env" / f"{name}.secrets.tfvars.json").write_bytes(sealed(s, e))


def fmt_tree(root, count):
    """`count` HCL files made of the repository's own (stacks, modules, templates), in folders of
    a few dozen, as a monorepo of modules has them."""
    sources = [p for d in ["stacks", "modules", "templates"]
               for p in sorted((ROOT / d).rglob("*"))
               if p.suffix in (".tf", ".tfvars", ".hcl") and p.is_file() and not p.is_symlink()]
    for i in range(count):
        src = sources[i % len(sources)]
        dst = root / f"mod{i // 40}" / f"{i % 40}-{src.name}"
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)


# --- the table --------------------------------------------------------------------------------

def main():
    global PEM_B64
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer runs (a smoke test of the script)")
    ap.add_argument("--no-build", action="store_true", help="use target/release as it is")
    ap.add_argument("--no-callgrind", action="store_true", help="skip instruction counts")
    ap.add_argument("--fmt-tree", type=Path, help="format this tree instead of the generated one")
    args = ap.parse_args()
    runs = 3 if args.quick else 15
    import base64
    PEM_B64 = base64.b64encode(("-----BEGIN CERTIFICATE-----\n" + "MIIC" * 280 +
                                "\n-----END CERTIFICATE-----\n").encode()).decode()

    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "release"
    if not args.no_build:
        subprocess.run(["cargo", "build", "--quiet", "--release", "--bins",
                        "--manifest-path", str(ROOT / "Cargo.toml")], check=True)
    tools = {t: str(target / t) for t in ["secret-seal", "tofu-envs", "kubectl-vteam"]}
    work = Path(tempfile.mkdtemp(prefix="platform-bench-"))
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SOPS_", "TOFU_", "PLATFORM_", "KUBECONFIG", "VTEAM_"))}
    env["HOME"] = str(work / "home")
    (work / "home").mkdir()
    count = (lambda c, e, w: None) if args.no_callgrind else (
        lambda c, e, w: instructions(c, e, w))
    rows = []

    def row(work_name, ours_cmd, ours_env, cwd, peer_name=None, peer_cmd=None, peer_env=None,
            peer_runs=None, reset=None, peer_reset=None, codes=(0,)):
        wall, cpu = measure(ours_cmd, ours_env, cwd, runs, codes, reset)
        one = ours_cmd(0) if callable(ours_cmd) else ours_cmd
        if reset:
            reset(0)
        ins = count(one, ours_env, cwd)
        peer = "-"
        ratio = "-"
        if peer_cmd:
            pwall, pcpu = measure(peer_cmd, peer_env or ours_env, cwd, peer_runs or runs,
                                  (0,), peer_reset)
            peer = f"{peer_name}: {ms(pwall)} wall, {ms(pcpu)} CPU"
            ratio = f"{pcpu / cpu:,.0f}x CPU, {pwall / wall:,.0f}x wall"
        elif peer_name:
            peer = peer_name
        rows.append((work_name, ms(wall), ms(cpu), minstr(ins), peer, ratio))
        print(f"  {work_name}: {ms(wall)} wall, {ms(cpu)} CPU, {minstr(ins)} instructions",
              file=sys.stderr)

    print(f"inputs in {work}", file=sys.stderr)
    plain, sealed, key, public = sealed_yaml(work, tools, env)
    env["BENCH_PUBLIC"] = public
    kenv = dict(env, SOPS_AGE_KEY_FILE=str(key))
    node_peer = ROOT / "plugins/secret-seal/tests/interop"
    node = shutil.which("node")
    has_node_peer = node and (node_peer / "node_modules/sops-age").is_dir()
    size = sealed.stat().st_size / 1e6
    row(f"secret-seal decrypt, YAML of 10,000 values ({size:.1f} MB sealed)",
        [tools["secret-seal"], "decrypt", str(sealed)], kenv, work,
        *(("sops-age (node)", [node, str(node_peer / "decrypt.mjs"), str(sealed)], kenv, 3)
          if has_node_peer else ("sops-age: not installed (npm ci in plugins/secret-seal/tests/interop)",)))
    row("secret-seal encrypt, the same YAML",
        [tools["secret-seal"], "encrypt", "--age", public, str(plain)], env, work)

    repo = work / "repo"
    vteam_repo(repo)
    kubectl = shutil.which("kubectl")
    for contexts in (1000, 10000):
        kc = work / f"kubeconfig-{contexts}"
        kubeconfig(kc, contexts)
        venv = dict(env, KUBECONFIG=str(kc), PLATFORM_ROOT=str(repo))
        mb = kc.stat().st_size / 1e6
        pristine = kc.read_bytes()

        def restore(_i, kc=kc, pristine=pristine):
            # A kubeconfig at rest, as a user's is: were the restore's 50 MB still being written
            # back, dropping the old file would wait for that and charge it to the command.
            with kc.open("wb") as f:
                f.write(pristine)
                f.flush()
                os.fsync(f.fileno())
        if contexts == 1000:
            row(f"kubectl vteam current, {contexts:,} contexts ({mb:.1f} MB)",
                [tools["kubectl-vteam"], "current"], venv, work,
                *(("kubectl config current-context", [kubectl, "config", "current-context"], venv, 5)
                  if kubectl else ("kubectl: not installed",)))
        row(f"kubectl vteam use (a switch), {contexts:,} contexts ({mb:.1f} MB)",
            lambda i: [tools["kubectl-vteam"], "use", "team-a" if i % 2 else "team-b"],
            venv, work,
            *(("kubectl config use-context",
               lambda i: [kubectl, "config", "use-context", f"context-{i % 2 + 1}"], venv,
               3 if contexts > 1000 else 5) if kubectl else ("kubectl: not installed",)),
            reset=restore, peer_reset=restore)
        print("  (kubie: not installed here; crates.io builds it, but it needs a terminal)",
              file=sys.stderr) if contexts == 1000 else None

    small = work / "layout-200"
    layout(small, 200, 5, tools, kenv, with_secrets=True)
    row("tofu-envs check, 200 stacks x 5 environments (every MAC verified)",
        [tools["tofu-envs"], "check"], kenv, small, "no peer")
    big = work / "layout-2000"
    layout(big, 2000, 5, tools, kenv, with_secrets=False)
    row("tofu-envs list, 2,000 stacks x 5 environments",
        [tools["tofu-envs"], "list"], kenv, big, "no peer (terragrunt discovery: 443 ms for 10,000 units, its own figure)")

    tree = args.fmt_tree
    if tree is None:
        tree = work / "fmt-tree"
        fmt_tree(tree, 3332)
    files = sum(1 for p in tree.rglob("*") if p.suffix in (".tf", ".tfvars", ".tofu"))
    engine = shutil.which("tofu") or shutil.which("terraform")
    row(f"tofu-envs fmt -recursive -check, {files:,} files",
        [tools["tofu-envs"], "fmt", "-recursive", "-check", str(tree)], env, work,
        *((f"{Path(engine).name} fmt", [engine, "fmt", "-recursive", "-check", str(tree)], env, 3)
          if engine else ("tofu/terraform: not installed",)), codes=(0, 3))

    print()
    print("| work | wall (median) | CPU (median) | instructions | peer (median) | ratio |")
    print("| --- | ---: | ---: | ---: | --- | ---: |")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
