"""H1p peer (b): the seeds' own stack (zentro-gym.txt) on the same work: FastAPI + uvicorn +
SQLAlchemy (engine, SessionLocal, get_db with yield) + python-jose, the way the seed's steps write
it. GET /orders/{id}: the bearer token verified with python-jose (ES256, identity's public key), the
permission read from the token's roles, one row by id and tenant through a SQLAlchemy session.
Run by tests/bench/h1p.ts: uvicorn --workers <cores>, access log at info.
Env: DATABASE_URL, BENCH_POOL, JWT_PUBLIC_KEY.
"""
import os
import uuid
from datetime import datetime

from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from jose import JWTError, jwt
from sqlalchemy import BigInteger, DateTime, Integer, String, create_engine, select
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

PUBLIC_KEY = os.environ["JWT_PUBLIC_KEY"]
ROLE_PERMISSIONS = {"owner": {"orders.read"}}

engine = create_engine(
    os.environ["DATABASE_URL"].replace("postgres://", "postgresql+psycopg2://", 1),
    pool_size=int(os.environ.get("BENCH_POOL", "8")),
    max_overflow=0,
    pool_pre_ping=False,
)
SessionLocal = sessionmaker(bind=engine, autoflush=False, autocommit=False)


class Base(DeclarativeBase):
    pass


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = {"schema": "bench"}
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    total: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


bearer = HTTPBearer()


def current_user(creds: HTTPAuthorizationCredentials = Depends(bearer)) -> dict:
    try:
        return jwt.decode(
            creds.credentials, PUBLIC_KEY, algorithms=["ES256"], audience="faena", issuer="faena-identity"
        )
    except JWTError:
        raise HTTPException(status_code=401, detail="Invalid access token")


def require_permission(permission: str):
    def check(user: dict = Depends(current_user)) -> dict:
        if not any(permission in ROLE_PERMISSIONS.get(r, ()) for r in user.get("roles", [])):
            raise HTTPException(status_code=403, detail="Forbidden")
        return user

    return check


app = FastAPI()


@app.get("/orders/{order_id}")
def read_order(
    order_id: uuid.UUID, user: dict = Depends(require_permission("orders.read")), db: Session = Depends(get_db)
):
    order = db.scalar(select(Order).where(Order.id == order_id, Order.tenant_id == uuid.UUID(user["tid"])))
    if order is None:
        raise HTTPException(status_code=404, detail="Not found")
    return {
        "success": True,
        "data": {
            "id": str(order.id),
            "tenantId": str(order.tenant_id),
            "userId": str(order.user_id),
            "number": order.number,
            "status": order.status,
            "total": str(order.total),
            "currency": order.currency,
            "createdAt": order.created_at.isoformat(),
        },
    }
