"""The Unit of Work: the one place a transaction is begun and committed."""

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


class UnitOfWork:
    """Owns one transaction; state changes and their outbox rows commit together or not at all."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None
        self.committed = False

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside `async with`")
        return self._session

    async def __aenter__(self) -> Self:
        self._session = self._sessions()
        await self._session.begin()
        self.committed = False
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            if not self.committed:
                await session.rollback()
        finally:
            await session.close()
            self._session = None

    async def flush(self) -> None:
        await self.session.flush()

    async def before_commit(self) -> None:
        """Hook for subclasses that add rows (outbox) that must join the transaction."""

    async def commit(self) -> None:
        await self.before_commit()
        await self.session.commit()
        self.committed = True

    async def rollback(self) -> None:
        await self.session.rollback()
        self.committed = True
