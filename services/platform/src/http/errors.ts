/**
 * Every stable error code Faena answers with, and its HTTP status: the one place they are mapped.
 * Services add their domain codes here so that a code always means the same status everywhere.
 */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  // Text PostgreSQL cannot store faithfully: NUL, or UTF-16 that is not well formed (a lone surrogate).
  INVALID_TEXT: 400,
  // A cursor the API did not issue (forged, garbled, truncated).
  INVALID_CURSOR: 400,
  // A body whose bytes are not what its Content-Encoding says (plain JSON sent as gzip).
  INVALID_ENCODING: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  KYC_NOT_APPROVED: 403,
  // An operator deciding a case they are a party to (their own dispute, their own KYC).
  OWN_CASE: 403,
  // Grants: nobody changes their own roles or a role they hold, grants what they do not hold, or
  // touches an owner without being one.
  OWN_ROLES: 403,
  GRANT_NOT_HELD: 403,
  OWNER_ONLY: 403,
  PAYER_AUTHORIZATION_REQUIRED: 403,
  // A creation the business's SaaS plan does not allow (the error's field names the limit: limits.products).
  PLAN_LIMIT_REACHED: 403,
  NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  IDEMPOTENCY_KEY_REUSED: 409,
  IDEMPOTENCY_REQUEST_IN_PROGRESS: 409,
  INVALID_STATE_TRANSITION: 409,
  OFFER_EXPIRED: 409,
  OFFER_CHANGED: 409,
  DEAL_EXISTS: 409,
  ALREADY_EXISTS: 409,
  // Gym: no seat left in the class; a membership whose days overlap another live one of the member.
  CLASS_FULL: 409,
  MEMBERSHIP_OVERLAP: 409,
  // Renewal: a plan change's previewed charge or credit no longer holds (preview it again).
  PRICE_CHANGED: 409,
  // Gym trainers: another class of the trainer at that time; a class outside the trainer's weekly availability.
  TRAINER_BUSY: 409,
  TRAINER_UNAVAILABLE: 409,
  // Cash sessions: a drawer with one open already; a session counted or closed taking more; approving one not counted.
  SESSION_ALREADY_OPEN: 409,
  SESSION_CLOSED: 409,
  SESSION_NOT_PENDING: 409,
  // POS order payments: an order with a tender another request (another cashier) is still taking.
  PAYMENT_IN_PROGRESS: 409,
  // Gym reception and store: a check-in code used already; a member inside already / not inside; not enough units left.
  CHECKIN_TOKEN_USED: 409,
  ALREADY_CHECKED_IN: 409,
  NOT_CHECKED_IN: 409,
  OUT_OF_STOCK: 409,
  // POS inventory: turning negative stock off while some branch's stock is below zero.
  NEGATIVE_STOCK_EXISTS: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNSUPPORTED_ENCODING: 415,
  INSUFFICIENT_BALANCE: 422,
  TEMPLATE_VARIABLE_MISSING: 422,
  REFUND_EXCEEDS_CAPTURED: 422,
  // Well-formed input a rule of the domain refuses (what no request schema can say: time, state,
  // a combination of fields). 400 stays for input that breaks its schema.
  EXPIRY_NOT_IN_FUTURE: 422,
  NOTE_REQUIRED: 422,
  SPLIT_MISMATCH: 422,
  PAYEE_REQUIRED: 422,
  PURPOSE_NOT_ALLOWED: 422,
  BRANCH_REQUIRED: 422,
  // Cash names a drawer, one with an open cash session, not deactivated, in the branch named.
  DRAWER_REQUIRED: 422,
  DRAWER_NOT_OPEN: 422,
  DRAWER_INACTIVE: 422,
  DRAWER_BRANCH_MISMATCH: 422,
  UNKNOWN_REFERENCE: 422,
  CURRENCY_NOT_ACCEPTED: 422,
  PREFERENCE_NOT_ALLOWED: 422,
  PROVIDER_REFUSED: 422,
  // A tenant-given URL the outbound guard refuses (not https, or a private/loopback/… destination).
  URL_NOT_ALLOWED: 422,
  // A tenant at its cap of webhook endpoints.
  WEBHOOK_ENDPOINT_LIMIT: 422,
  // Gym rules: the class is not open for booking now; no membership covers the class (its day, its
  // type); a pack with no sessions left; a pause the plan's freeze rules refuse; a plan without a
  // price in the branch; a payment that needs the member's identity user.
  BOOKING_WINDOW_CLOSED: 422,
  MEMBERSHIP_REQUIRED: 422,
  NO_SESSIONS_LEFT: 422,
  FREEZE_NOT_ALLOWED: 422,
  PRICE_NOT_SET: 422,
  MEMBER_NOT_LINKED: 422,
  // Gym: a period whose end comes before its start (`to` before `from`); a plan's counts that its
  // kind does not take (validityDays on a monthly plan, a class pack without sessions).
  INVALID_RANGE: 422,
  PLAN_KIND_MISMATCH: 422,
  // Gym: a body naming neither or both of two alternatives (a check-out's code or member); an
  // ingredient whose macros per 100 g weigh more than 100 g.
  EXACTLY_ONE_REQUIRED: 422,
  MACROS_EXCEED_WEIGHT: 422,
  // A check-in code that is not this business's (garbled, tampered, forged) or whose time ran out.
  CHECKIN_TOKEN_INVALID: 422,
  CHECKIN_TOKEN_EXPIRED: 422,
  // Gym routines: a workout logged on a day its routine assignment does not cover (ended, not started).
  ASSIGNMENT_NOT_ACTIVE: 422,
  // POS inventory: a quantity in a unit of another dimension (kg into l); finer than 0.001 of the
  // item's base unit; a refund restocking more than its sale took; a transfer to its own branch.
  UNIT_NOT_CONVERTIBLE: 422,
  QUANTITY_TOO_PRECISE: 422,
  RESTOCK_EXCEEDS_SALE: 422,
  TRANSFER_SAME_BRANCH: 422,
  DUPLICATE_LINE: 422,
  TENDER_FIELDS: 422,
  // POS menu and floors: a branch whose POS time zone is not set yet (its menu cannot be read on
  // its clock); two availability windows of a day that overlap; a table status only orders set.
  BRANCH_NOT_CONFIGURED: 422,
  WINDOWS_OVERLAP: 422,
  TABLE_STATUS_DERIVED: 422,
  // POS kitchen: a sent line whose category has no station in the branch and the branch no default;
  // a printing station without a printer address (or a screen with one).
  NO_KITCHEN_STATION: 422,
  PRINTER_ADDRESS_REQUIRED: 422,
  PRINTER_ADDRESS_NOT_USED: 422,
  // POS printing: an operator's action on a print job whose process has ended (its hour after the
  // outcome passed), or one its state refuses (a cancelled job).
  PRINT_JOB_CLOSED: 409,
  // POS order payments: tenders that do not cover the order's total exactly (cash short, card over);
  // refunds of an order beyond what its tenders took (or more units of a line than it has).
  TENDERS_DO_NOT_BALANCE: 422,
  REFUND_EXCEEDS_PAID: 422,
  // POS orders: sending an order without lines; a product the branch does not sell now (86, no
  // price, outside its windows); a variant missing or not the product's; modifiers breaking their
  // groups' min/max or not the product's; a table out of service; orders that cannot be merged (other
  // table, closed); a discount larger than what it applies to.
  // A downgrade to a plan the business's current usage does not fit (the field names the limit).
  PLAN_USAGE_EXCEEDS: 422,
  ORDER_EMPTY: 422,
  NOT_ORDERABLE: 422,
  VARIANT_REQUIRED: 422,
  MODIFIERS_INVALID: 422,
  TABLE_OUT_OF_SERVICE: 422,
  MERGE_MISMATCH: 422,
  DISCOUNT_TOO_LARGE: 422,
  // POS orders: a field another kind of order takes (a table for takeaway) or one missing for its kind.
  ORDER_KIND_FIELDS: 422,
  // POS orders: a discount above the business's threshold, taken by someone without `orders.discount`.
  DISCOUNT_NEEDS_APPROVAL: 403,
  INVALID_SIGNATURE: 401,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  EMAIL_DELIVERY_FAILED: 502,
  PROVIDER_UNAVAILABLE: 502,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorItem {
  code: ErrorCode;
  message: string;
  field?: string;
}

/**
 * A failure the caller can act on. Thrown anywhere (routes, domain services); the error middleware
 * turns it into the envelope `{ success: false, errors: [...] }` with the mapped status.
 */
export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly items: ErrorItem[];
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { field?: string; items?: ErrorItem[]; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.items = opts.items ?? [{ code, message, ...(opts.field !== undefined && { field: opts.field }) }];
    this.headers = opts.headers ?? {};
  }
}

export const notFound = (what: string): DomainError => new DomainError('NOT_FOUND', `${what} not found`);
