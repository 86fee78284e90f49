# What `sam build` runs for each function of template.yaml (their
# `BuildMethod: makefile`): `make build-<LogicalId>`, here in the project
# (samconfig.toml: build_in_source), with ARTIFACTS_DIR naming the folder
# that becomes that function's zip. Every function runs the one binary
# build.sh makes, so each gets exactly that: build.sh's zip, unpacked.
#
# SAM tells a Makefile nothing of the architecture: build.sh takes it from
# ARCH (arm64 unless set), the stack from its Architecture parameter. For
# x86_64, say it to both:
#   ARCH=x86_64 sam build && sam deploy --parameter-overrides Architecture=x86_64
# Needs what build.sh needs, and python3 to unpack (zip files keep no unix
# mode through its zipfile, hence the chmod).

build-%:
	./build.sh --zip "$(ARTIFACTS_DIR).zip"
	python3 -m zipfile -e "$(ARTIFACTS_DIR).zip" "$(ARTIFACTS_DIR)"
	chmod 0755 "$(ARTIFACTS_DIR)/bootstrap"
	rm "$(ARTIFACTS_DIR).zip"
