#!/usr/bin/env bash
# A stand-in `docker` for the script tests. It records every call (one line, arguments quoted) in
# $FAKE_DOCKER_STATE/calls.log and simulates just what the rendered scripts use, from files:
#   containers/<name>/{running,health,image,ref}   state of a container
#   db/<container>.sql                             the "database" pg_dump prints and psql replaces
#   images/<id-file>                               local images: file named after the reference, holding its id
#   registry/<id-file>                             what a pull of that reference would fetch
#   image-health/<id>                              health a container gets when recreated from that image
#   fail/<verb>[-<name>]                           make that call fail
#   delay/<verb>                                   seconds that call takes
# Volumes live in $FAKE_VOLUMES_DIR/<name>/_data like the local driver's.
set -euo pipefail
# The daemon, not the calling script, creates volumes: its umask, not the caller's.
umask 022
state=${FAKE_DOCKER_STATE:?}
printf '%q ' "$@" | sed 's/ $//' >>"${state}/calls.log"
printf '\n' >>"${state}/calls.log"

ref_file() { printf '%s' "$1" | tr '/:@' '___'; }

maybe_fail() {
  local verb=$1 name=${2:-}
  if [[ -f "${state}/delay/${verb}" ]]; then sleep "$(cat "${state}/delay/${verb}")"; fi
  if [[ -e "${state}/fail/${verb}" || ( -n "${name}" && -e "${state}/fail/${verb}-${name}" ) ]]; then
    echo "fake docker: ${verb} ${name} fails as the test asked" >&2
    exit 1
  fi
}

container_dir() {
  [[ -d "${state}/containers/$1" ]] || { echo "Error: No such container: $1" >&2; exit 1; }
  printf '%s' "${state}/containers/$1"
}

verb=$1
shift
case "${verb}" in
  info) maybe_fail info; echo 'fake docker engine' ;;
  inspect)
    [[ "$1" == --format ]] || { echo "fake docker: inspect needs --format" >&2; exit 2; }
    format=$2 name=$3
    dir=$(container_dir "${name}")
    running=$(cat "${dir}/running")
    health=$(cat "${dir}/health" 2>/dev/null || echo none)
    case "${format}" in
      *'.State.Running'*) echo "${running}" ;;
      *'.State.Status'*)
        status=exited
        [[ "${running}" != true ]] || status=running
        echo "${status} ${health}" ;;
      '{{.Image}}') cat "${dir}/image" ;;
      *) echo "fake docker: unknown inspect format ${format}" >&2; exit 2 ;;
    esac
    ;;
  stop | start)
    while [[ "$1" == --* ]]; do shift 2; done
    maybe_fail "${verb}" "$1"
    dir=$(container_dir "$1")
    if [[ "${verb}" == stop ]]; then echo false >"${dir}/running"; else echo true >"${dir}/running"; fi
    echo "$1"
    ;;
  rm)
    maybe_fail rm "$1"
    dir=$(container_dir "$1")
    rm -rf -- "${dir}"
    echo "$1"
    ;;
  exec)
    interactive=0
    if [[ "$1" == -i ]]; then interactive=1; shift; fi
    container=$1 program=$2
    maybe_fail "${program}" "${container}"
    [[ "$(cat "$(container_dir "${container}")/running")" == true ]] || { echo "Error: container ${container} is not running" >&2; exit 1; }
    case "${program}" in
      pg_dump) cat "${state}/db/${container}.sql" ;;
      psql)
        (( interactive )) || { echo "fake docker: psql without -i reads nothing" >&2; exit 1; }
        cat >"${state}/db/${container}.sql" ;;
      *) echo "fake docker: exec ${program} is not simulated" >&2; exit 2 ;;
    esac
    ;;
  volume)
    [[ "$1" == create ]] || { echo "fake docker: volume $1 is not simulated" >&2; exit 2; }
    maybe_fail volume-create "$2"
    mkdir -p "${FAKE_VOLUMES_DIR:?}/$2/_data"
    echo "$2"
    ;;
  pull)
    while [[ "$1" == -* ]]; do shift; done
    maybe_fail pull "$1"
    file=$(ref_file "$1")
    [[ -f "${state}/registry/${file}" ]] || { echo "Error: manifest for $1 not found" >&2; exit 1; }
    mkdir -p "${state}/images"
    cp "${state}/registry/${file}" "${state}/images/${file}"
    echo "Status: Downloaded newer image for $1"
    ;;
  image)
    case "$1" in
      inspect)
        [[ "$2" == --format ]] || exit 2
        file=$(ref_file "$4")
        [[ -f "${state}/images/${file}" ]] || { echo "Error: No such image: $4" >&2; exit 1; }
        cat "${state}/images/${file}"
        ;;
      prune) maybe_fail image-prune; echo "Total reclaimed space: 0B" ;;
      *) echo "fake docker: image $1 is not simulated" >&2; exit 2 ;;
    esac
    ;;
  tag)
    maybe_fail tag
    mkdir -p "${state}/images"
    source_file=$(ref_file "$1")
    if [[ -f "${state}/images/${source_file}" ]]; then
      cp "${state}/images/${source_file}" "${state}/images/$(ref_file "$2")"
    else
      printf '%s\n' "$1" >"${state}/images/$(ref_file "$2")"
    fi
    ;;
  compose)
    # compose … up -d NAME: recreate NAME from the image its reference now names.
    name=${*: -1}
    maybe_fail recreate "${name}"
    dir=$(container_dir "${name}")
    id=$(cat "${state}/images/$(ref_file "$(cat "${dir}/ref")")")
    echo "${id}" >"${dir}/image"
    echo true >"${dir}/running"
    cat "${state}/image-health/${id}" >"${dir}/health" 2>/dev/null || echo healthy >"${dir}/health"
    ;;
  ps)
    # ps --all --filter status=exited --filter status=dead --format '{{.Names}}'
    for dir in "${state}/containers"/*/; do
      [[ -d "${dir}" ]] || continue
      [[ "$(cat "${dir}/running")" == true ]] || basename "${dir}"
    done
    ;;
  images) cat "${state}/dangling" 2>/dev/null || true ;;
  system) echo 'TYPE SIZE RECLAIMABLE' ;;
  *) echo "fake docker: ${verb} is not simulated" >&2; exit 2 ;;
esac
