# vecgrad: `make help` lists the targets.
SHELL := /bin/bash
GO    ?= go
QEMU  ?= qemu-aarch64-static
# Debian's python3-torch lives in the system Python, not in a pyenv one.
PYTHON ?= /usr/bin/python3
# Instruction-set levels this machine supports, best first (always ends with generic).
LEVELS = $(shell $(GO) run ./cmd/vecgrad cpu -levels)

.PHONY: help generate test check-fmt vet check-nocgo test-mpi check-generated test-levels test-purego test-arm64 test-race test-fuzz fixtures bench bench-go bench-gemm bench-optim bench-train bench-manycore bench-layers data train sweep

help: ## List the targets.
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

generate: ## Rewrite all generated assembly in asm/ from the programs in gen/.
	$(GO) generate ./gen

test: check-fmt vet check-nocgo check-generated test-levels test-purego test-arm64 test-race test-fuzz test-mpi ## Run every check and test (what CI runs).

check-fmt: ## Fail if any Go file is not gofmt-formatted.
	@out=$$(gofmt -l $$(git ls-files --cached --others --exclude-standard '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet: ## go vet for amd64, arm64 and the purego build.
	$(GO) vet ./...
	GOARCH=arm64 $(GO) vet ./...
	$(GO) vet -tags purego ./...

check-nocgo: ## Fail if the default build has cgo anywhere (only the mpi build tag may use it).
	@out=$$($(GO) list -f '{{if .CgoFiles}}{{.ImportPath}}{{end}}' ./...); \
	if [ -n "$$out" ]; then echo "cgo in the default build: $$out"; exit 1; else echo "no cgo in the default build"; fi

# Open MPI refuses to start as root unless told so; CI runs as root. Set for
# these runs only, not globally.
MPIRUN = env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun --oversubscribe

test-mpi: ## Build train/dist with -tags mpi (cgo, Open MPI) and run its tests alone and on 2 and 4 ranks under mpirun.
	@command -v mpirun >/dev/null && pkg-config --exists ompi || { echo "Open MPI not found: apt-get install -y openmpi-bin libopenmpi-dev pkg-config"; exit 1; }
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf $$tmp' EXIT; \
	$(GO) vet -tags mpi ./train/dist; \
	$(GO) test -c -tags mpi -o $$tmp/dist.test ./train/dist; \
	echo "== one process"; $$tmp/dist.test; $(GO) test -count=1 -tags mpi -run '^TestMPIOneRank$$' ./cmd/vecgrad; \
	for np in 2 4; do echo "== mpirun -np $$np"; timeout 120 $(MPIRUN) -np $$np $$tmp/dist.test -test.run MPI; done; \
	echo "== mpirun -np 4 as 2 machines of 2 ranks"; VECGRAD_RANKS_PER_MACHINE=2 timeout 120 $(MPIRUN) -np 4 -x VECGRAD_RANKS_PER_MACHINE $$tmp/dist.test -test.run MPI; \
	$(GO) test -c -tags mpi -o $$tmp/vecgrad.test ./cmd/vecgrad; \
	for np in 2 4; do echo "== mpirun -np $$np vecgrad train -distributed"; \
		for t in TestMPITrain TestMPIResume TestMPIBenchDistributed; do \
			VECGRAD_MPI_DIR=$$tmp/train timeout 300 $(MPIRUN) -np $$np -x VECGRAD_MPI_DIR $$tmp/vecgrad.test -test.run "^$$t\$$"; done; done; \
	echo "== mpirun -np 4 vecgrad train -distributed as 2 machines of 2 ranks"; \
	VECGRAD_MPI_DIR=$$tmp/train2 VECGRAD_RANKS_PER_MACHINE=2 timeout 300 $(MPIRUN) -np 4 -x VECGRAD_MPI_DIR -x VECGRAD_RANKS_PER_MACHINE $$tmp/vecgrad.test -test.run '^TestMPITrain$$'; \
	echo "== a rank killed mid-run: the job must stop within 10 s, the checkpoint resume"; \
	mkdir -p $$tmp/kill; start=$$(date +%s); \
	if VECGRAD_MPI_KILL=$$tmp/kill timeout 120 $(MPIRUN) -np 2 -x VECGRAD_MPI_KILL $$tmp/vecgrad.test -test.run '^TestMPIKilledRank$$' >$$tmp/kill.log 2>&1; then \
		cat $$tmp/kill.log; echo "the job did not fail when a rank was killed"; exit 1; fi; \
	took=$$(( $$(date +%s) - start )); \
	if [ $$took -gt 10 ]; then cat $$tmp/kill.log; echo "the job took $$took s to stop after a rank was killed (want <= 10)"; exit 1; fi; \
	echo "mpirun failed as it should, $$took s after it started (the kill came after the first checkpoint)"; \
	VECGRAD_MPI_RESUME=$$tmp/kill $$tmp/vecgrad.test -test.run '^TestMPICheckpointIntact$$' -test.v | grep -E 'checkpoint holds|^(ok|PASS|FAIL)'


check-generated: ## Fail if regenerating would change any file in asm/.
	@tmp=$$(mktemp -d); trap 'rm -rf $$tmp' EXIT; \
	$(GO) run ./gen/amd64 -out $$tmp && $(GO) run ./gen/arm64 -out $$tmp && \
	if ! diff -r $$tmp asm >/dev/null; then \
		echo "asm/ is stale: run 'make generate' (diff -r <fresh> asm):"; diff -r $$tmp asm | head -20; exit 1; \
	else echo "asm/ matches its generators"; fi

test-levels: ## go test ./... at every instruction-set level this machine has.
	@levels="$(LEVELS)"; [ -n "$$levels" ] || { echo "could not list the instruction-set levels (go run ./cmd/vecgrad cpu -levels)"; exit 1; }
	@# -count=1: package kernels reads VECGRAD_ISA during init, before go test
	@# starts recording the environment, so cached results would be reused
	@# across levels.
	@set -e; for isa in $(LEVELS); do echo "== VECGRAD_ISA=$$isa"; VECGRAD_ISA=$$isa $(GO) test -count=1 ./...; done

test-purego: ## go test ./... built without any assembly.
	$(GO) test -tags purego ./...

test-arm64: ## go test ./... for arm64 (NEON) under qemu user emulation.
	@command -v $(QEMU) >/dev/null || { echo "$(QEMU) not found: apt-get install -y qemu-user-static"; exit 1; }
	GOARCH=arm64 $(GO) test -exec $(QEMU) ./...

# The race detector, over what runs goroutines: the kernels' worker pool and
# the all-cores roof measurements (bench), the prefetching loader, training.
# Whole packages where their tests are quick under -race; in kernels and
# train only the tests that run threads (the rest of kernels takes minutes
# under -race at every level, and is sequential). Both at the best level and
# at generic, where the detector sees the pure-Go loops (the kernels.sink
# race was there), except training, whose generic MLP under -race costs a
# minute and a half and whose goroutines (loader, pool) are the same at
# every level.
RACE_PKGS    = ./bench ./optim ./train/data ./train/dist
RACE_KERNELS = Threads|Concurrent|Team|NextTask|Peaks
RACE_TRAIN   = ThreadsBitwise|ResumeBitwise|TeamStep|Distributed

test-race: ## go test -race where goroutines run, at the best level and at generic (where the detector sees the pure-Go loops).
	@set -e; for isa in $(sort $(firstword $(LEVELS)) generic); do \
		echo "== -race VECGRAD_ISA=$$isa"; \
		VECGRAD_ISA=$$isa $(GO) test -race -count=1 $(RACE_PKGS); \
		VECGRAD_ISA=$$isa $(GO) test -race -count=1 -run '$(RACE_KERNELS)' ./kernels; \
	done
	VECGRAD_ISA=$(firstword $(LEVELS)) $(GO) test -race -count=1 -run '$(RACE_TRAIN)' ./train

# A count, not a duration: Go 1.26's fuzz coordinator can report a bare
# "context deadline exceeded" failure at the end of a timed run on a loaded
# machine (golang/go#75804, fixed in Go 1.27); a count has no deadline.
FUZZTIME ?= 100000x
# The parsers of outside input, each fuzzed briefly from its seed corpus
# (go test -fuzz takes one target per run): NAME:PACKAGE, or
# NAME:PACKAGE:COUNT for a target that gets COUNT inputs instead of
# FUZZTIME (the .npy, .npz and CSV readers: about 10 s each here).
FUZZ = FuzzReadIDX:./train/data FuzzDecode:./train/safetensors FuzzCheckpointMetadata:./train FuzzParse:./tensor/internal/einsum \
	FuzzDecodeNPY:./train/data:20000x FuzzDecodeNPZ:./train/data:20000x FuzzDecodeCSV:./train/data:20000x \
	FuzzLoadMetadata:./train/state \
	FuzzCheckpointConfig:./train:20000x

test-fuzz: ## Fuzz each parser of outside input for FUZZTIME inputs (IDX files, checkpoints, einsum equations).
	@set -e; for f in $(FUZZ); do \
		name=$${f%%:*}; rest=$${f#*:}; pkg=$${rest%%:*}; n=$(FUZZTIME); \
		if [ "$$rest" != "$$pkg" ]; then n=$${rest#*:}; fi; \
		echo "== fuzz $$name ($$pkg, $$n)"; \
		$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $$n $$pkg; \
	done

fixtures: ## Regenerate the PyTorch fixtures under testdata/ (needs Debian's python3-torch: apt-get install -y python3-torch).
	$(PYTHON) tools/torchfixtures/gen.py
	$(PYTHON) tools/lossfixtures/gen.py
	$(PYTHON) tools/optimfixtures/gen.py
	$(PYTHON) tools/lbfgsfixtures/gen.py
	$(PYTHON) tools/normfixtures/gen.py
	$(PYTHON) tools/opsfixtures/gen.py
	$(PYTHON) tools/nnfixtures/gen.py
	$(PYTHON) tools/npyfixtures/gen.py
	$(PYTHON) tools/safetensorsfixtures/gen.py
	$(PYTHON) tools/statedictfixtures/gen.py
	cd tensor/internal/einsum/testdata && $(PYTHON) gen.py

bench: ## Kernel table: GB/s per kernel, level and size, against this machine's roofs.
	$(GO) run ./cmd/vecgrad bench kernels

bench-go: ## The same kernels as Go benchmarks (for benchstat), vector levels only.
	$(GO) test -run '^$$' -bench 'Kernels/.*/.*/(avx512|avx2|neon)$$' -count 5 ./bench/

bench-gemm: ## GEMM table: Sgemm GFLOP/s per shape, level and threads vs the FMA roof and gonum, then OpenBLAS if installed.
	$(GO) run ./cmd/vecgrad bench gemm
	bench/openblas/run.sh

bench-optim: ## Fused optimizer steps (SGD+momentum, Adam, AdamW+amsgrad): GB/s per level for 1e3..1e7 parameters vs the triad roof.
	$(GO) run ./cmd/vecgrad bench optim

bench-train: ## Training step samples/s per model (tutorial, wide) x batch (16, 64, 256) x threads vs the FLOP limit, by phase, and PyTorch if installed (apt-get install python3-torch libopenblas0-pthread).
	$(GO) run ./cmd/vecgrad bench train

bench-manycore: ## The training step's thread-scaling curve (1, 2, 4, ... threads up to the CPUs) with vecgrad cpu's roofs, for a many-core machine (bench/manycore.sh).
	sh bench/manycore.sh

bench-layers: ## Tensor-layer overheads (broadcast add vs the kernel, MLP step vs its kernel calls, einsum vs SgemmBatch) and cross-entropy ns/row.
	$(GO) test -run '^$$' -bench . -benchtime 300ms -count 3 ./tensor/ ./loss/

data: ## Put MNIST under data/mnist/ from the Go module cache (verified; kept if already there).
	$(GO) run ./cmd/vecgrad data --dataset mnist --from-module-cache --dir data/mnist

train: data ## Train the tutorial's MLP on MNIST (SGD lr 1e-3 momentum 0.5, batch 16, 10 epochs); plot, CSV, checkpoint and summary in out/.
	$(GO) run ./cmd/vecgrad train --dataset mnist --data data/mnist --out out --summary-json out/summary.json

sweep: data ## The tutorial's five comparisons on MNIST: one PNG per comparison plus CSVs in out/sweep/.
	$(GO) run ./cmd/vecgrad sweep --dataset mnist --data data/mnist --out out/sweep
