# The two commands of the README: `make run` and `make test`.
SWIFT ?= swift
CONFIG ?= Config/switchboard.yaml
DEBIAN_PACKAGES := libopus-dev libsrtp2-dev pkg-config python3 ffmpeg sip-tester baresip-core chromium
PY_PACKAGES := pylibsrtp

.PHONY: setup build release run test bench clean

setup:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	@python3 -c "import pylibsrtp" 2>/dev/null || python3 -m pip install -q $(PY_PACKAGES) || echo "warning: pylibsrtp not installed; its cross-check test will be skipped"

build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build -c release

run: release
	.build/release/switchboard serve --config $(CONFIG)

test: setup
	$(SWIFT) build
	$(SWIFT) build --build-tests
	$(SWIFT) test --no-parallel

bench: release
	.build/release/switchboard bench port
	.build/release/switchboard bench restart
	.build/release/switchboard bench transcode

clean:
	rm -rf .build
