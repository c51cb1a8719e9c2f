// Package image tests what users run: the container image built by
// scripts/image.sh (`task image`), docker-compose.yml and the Unraid
// template unraid/ddc.xml. The image test builds the real image on the
// local Docker engine and runs it with the compose file's settings; the
// deployment tests check the compose file with the compose tool's own
// validator and the template against the compose file.
//
// It holds tests only; nothing imports it. It must never be imported by
// non-test code.
package image
