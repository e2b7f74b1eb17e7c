/**
 * Typed application errors. Services and stores throw these; one HTTP middleware
 * (src/http/errors-middleware.ts) maps them to status codes and Freezer's error bodies
 * `{"title", "description"}`. Nothing else in the code base builds an error response.
 */
export abstract class AppError extends Error {
  abstract readonly status: number;
  abstract readonly title: string;
  /** Extra response headers (e.g. Allow on 405). */
  headers: Record<string, string> = {};
  /** When true the response has no body at all (Freezer's empty-body 404 on GET single). */
  emptyBody = false;

  constructor(readonly description?: string) {
    super(description ?? '');
    this.name = new.target.name;
  }
}

/** 400 Bad request format: schema violations, missing body, bad event format, ... */
export class BadRequestError extends AppError {
  readonly status = 400;
  readonly title = 'Bad request format';
}

/** 400 Invalid parameter: limit/offset that are not integers. */
export class InvalidParameterError extends AppError {
  readonly status = 400;
  readonly title = 'Invalid parameter';
  constructor(name: string) {
    super(`The "${name}" parameter is invalid. The value must be an integer.`);
  }
}

export class UnauthorizedError extends AppError {
  readonly status = 401;
  readonly title = 'Unauthorized';
}

export class ForbiddenError extends AppError {
  readonly status = 403;
  readonly title = 'Access Forbidden';
  /** The description says why when that helps the caller fix it (e.g. an agent's hostname). */
  constructor(description = 'You are not allowed to access this resource') {
    super(description);
  }
}

/** 404 with a Freezer error body, e.g. `No Job found with ID:<id>`. */
export class NotFoundError extends AppError {
  readonly status = 404;
  readonly title = 'Not Found';
}

/** 404 with an empty body: what Freezer answers for a GET of one missing document. */
export class NoSuchDocumentError extends AppError {
  readonly status = 404;
  readonly title = 'Not Found';
  override emptyBody = true;
}

/** 405 from the session action endpoint for an unknown action (Freezer's "Bad Method"). */
export class BadMethodError extends AppError {
  readonly status = 405;
  readonly title = 'Bad Method';
  constructor() {
    super('Bad Action Method');
    this.headers = { Allow: 'GET, POST, HEAD, PATCH, DELETE' };
  }
}

export class ConflictError extends AppError {
  readonly status = 409;
  readonly title = 'Document already existing';
}

export class PayloadTooLargeError extends AppError {
  readonly status = 413;
  readonly title = 'Request Entity Too Large';
}

/** Freezer's non-standard 753 for a body that is not valid JSON. */
export class MalformedJsonError extends AppError {
  readonly status = 753;
  readonly title = 'Malformed JSON';
}

/** The database cannot be reached right now; the client may retry. */
export class StoreUnavailableError extends AppError {
  readonly status = 503;
  readonly title = 'Service Unavailable';
}

/** A storage failure that is not the client's fault. The description never carries driver text. */
export class StorageError extends AppError {
  readonly status = 500;
  readonly title = 'Internal Storage Error';
}

/** auth=keystone: the external identity service cannot be reached or answered nonsense. */
export class IdentityUnavailableError extends AppError {
  readonly status = 503;
  readonly title = 'Service Unavailable';
}

/** Too many requests from one caller (e.g. repeated failed logins); retry later. */
export class TooManyRequestsError extends AppError {
  readonly status = 429;
  readonly title = 'Too Many Requests';
}
