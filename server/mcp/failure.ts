import { LetterboxApiError, WaitTimeoutError } from '../client/client.js';

/** An expected failure said plainly; the server keeps answering whatever goes wrong. */
export function describeFailure(error: unknown, baseUrl: string): string {
  if (error instanceof WaitTimeoutError) return error.message;
  if (error instanceof LetterboxApiError) {
    const said = serverError(error.body).slice(0, 300);
    if (error.status === 401) return `Letterbox at ${baseUrl} wants credentials (start the MCP server with --auth USER:PASSWORD)`;
    return `Letterbox refused ${error.path} (HTTP ${error.status})${said ? `: ${said}` : ''}`;
  }
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  if (error instanceof TypeError) return `cannot reach Letterbox at ${baseUrl}${cause || `: ${error.message}`}`;
  return `failed: ${error instanceof Error ? error.message : String(error)}`;
}

/** The text of the API's `{"Error": "…"}` answer, or its body as it came. */
function serverError(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && 'Error' in parsed && typeof parsed.Error === 'string') return parsed.Error;
  } catch {
    // a plain-text answer, said as it is
  }
  return body.trim();
}
