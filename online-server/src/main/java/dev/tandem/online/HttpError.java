package dev.tandem.online;

/**
 * A request the server answers with a 4xx or 503 and {@code {"error": message, "field": field}}:
 * what was wrong, and which part of the request (a JSON path such as {@code values.bo_user.age}
 * or {@code candidates[3]}; {@code body} for the body as a whole; null when no field is at fault).
 * Never carries a stack trace to the client.
 */
public final class HttpError extends RuntimeException {
  private final int status;
  private final String field;

  public HttpError(int status, String message, String field) {
    super(message, null, false, false);
    this.status = status;
    this.field = field;
  }

  /** 400: the request is malformed or names something the spec does not have. */
  public static HttpError badRequest(String message, String field) {
    return new HttpError(400, message, field);
  }

  public int status() {
    return status;
  }

  public String field() {
    return field;
  }
}
