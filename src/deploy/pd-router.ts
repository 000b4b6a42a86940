import type { DeployEngine } from './types.js';

/**
 * A shell function that starts the engine's own prefill/decode router in front of the instances
 * named by PREFILL_URLS and DECODE_URLS (space-separated http://host:port), or null where the
 * engine has none (vLLM: use llm-d or a gateway that reads the routing table).
 */
export function pdRouterFunction(engine: DeployEngine, port: number): string | null {
  const need = 'PREFILL_URLS="${PREFILL_URLS:?set PREFILL_URLS to the prefill instances (http://host:port ...)}"\n  DECODE_URLS="${DECODE_URLS:?set DECODE_URLS to the decode instances}"';
  if (engine === 'sglang') {
    return [
      '# SGLang\'s router for prefill/decode pairs (sglang-router): one per pairing class of the routing table.',
      'pd_router() {',
      `  ${need}`,
      '  local args=()',
      '  for url in $PREFILL_URLS; do args+=(--prefill "$url"); done',
      '  for url in $DECODE_URLS; do args+=(--decode "$url"); done',
      `  exec python3 -m sglang_router.launch_router --pd-disaggregation "\${args[@]}" --host 0.0.0.0 --port ${port} "$@"`,
      '}',
    ].join('\n');
  }
  if (engine === 'trtllm') {
    return [
      '# TensorRT-LLM\'s disaggregated server in front of the context (prefill) and generation (decode) servers.',
      'pd_router() {',
      `  ${need}`,
      '  mkdir -p "${FILES_DIR}"',
      '  local config="${FILES_DIR}/trtllm-disaggregated.yaml" kind url n',
      `  { echo "hostname: 0.0.0.0"; echo "port: ${port}"`,
      '    for kind in context_servers generation_servers; do',
      '      if [ "$kind" = context_servers ]; then set -- $PREFILL_URLS; else set -- $DECODE_URLS; fi',
      '      echo "$kind:"; echo "  num_instances: $#"; echo "  urls:"',
      '      for url in "$@"; do echo "    - \\"${url#http://}\\""; done',
      '    done; } > "$config"',
      '  exec trtllm-serve disaggregated -c "$config"',
      '}',
    ].join('\n');
  }
  return null;
}
