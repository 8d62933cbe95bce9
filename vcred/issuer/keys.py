"""An issuer account's key history: whether its key may sign, rotation to the pre-committed key, deactivation.

Functions of the account rather than a mixin: :class:`~vcred.issuer.account.IssuerAccount` keeps its whole public
face in one place, and its two files (the account file and the sealed recovery file) are read and written there
only; what is here decides which key is in force and asks the account to save.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from vcred.crypto.keys import Ed25519SigningKey
from vcred.crypto.sealing import KdfParams
from vcred.did.ledger import DidState, commitment, deactivate_event, method_id, replay, rotate_event
from vcred.errors import LedgerError, UsageError
from vcred.ledger.log import Ledger
from vcred.local import LocalSetting

if TYPE_CHECKING:
    from vcred.issuer.account import IssuerAccount


def key_version(account: IssuerAccount) -> int:
    """The did:vcred key version in force (1 for the create event's key)."""
    return int(account.verification_method.rsplit("#key-", 1)[1]) if "#key-" in account.verification_method else 1


def require_usable(account: IssuerAccount) -> None:
    """Refuse to sign with a key the ledger has retired or for a deactivated DID."""
    if account.deactivated:
        raise UsageError(f"{account.name}'s DID {account.did} is deactivated: it signs nothing more")
    if account.rotation_started:
        raise UsageError(
            f"{account.name}'s key rotation was interrupted after the ledger recorded it",
            hint=f"finish it with: vcred issuer rotate {account.name} (asks for the recovery passphrase)",
        )


def require_key_in_force(account: IssuerAccount, moment: datetime) -> None:
    """Refuse to sign as of a moment before the current key came into force."""
    if account.key_since is not None and int(moment.timestamp()) < account.key_since:
        since = datetime.fromtimestamp(account.key_since, UTC).isoformat()
        raise UsageError(
            f"{account.name} cannot sign as of {moment.isoformat()}: its key {account.verification_method} is in "
            f"force only since {since}",
            hint="sign with the current time (or a later one)",
        )


def rotate(
    account: IssuerAccount,
    setting: LocalSetting,
    *,
    recovery: str,
    recovery_file: Path | None,
    now: datetime | None,
    ledger: Ledger | None,
    kdf: KdfParams | None,
) -> None:
    """Rotate to the pre-committed next key and commit to a fresh one (see the account's method)."""
    log, state = _history(account, "rotate", ledger or setting.ledger())
    path = recovery_file or account.recovery_path(setting, account.name)
    keys, sealer = account._recovery_keys(path, recovery, kdf)
    if _finish_rotation(account, state, keys, setting):
        account._seal_recovery(path, [_committed(account, keys, state)], sealer)
        return
    next_key = _committed(account, keys, state)
    following = Ed25519SigningKey.generate()
    # both durable before the ledger commits to the following key; the next key stays until the account
    # file holds it as the current key, so a crash in between never loses either
    account._seal_recovery(path, [next_key, following], sealer)
    account.rotation_started = True
    account.save(setting)
    moment = now or account._after_last_use(log)
    event = rotate_event(
        account.did,
        version=state.version,
        current_key=account.key,
        new_key=next_key,
        following_key=following.public_key,
        previous_leaf=state.last_leaf,
        timestamp=int(moment.timestamp()),
    )
    try:
        log.append([event], now=moment)
    except BaseException:
        check_rotation(account, setting, log)  # refused: the old key stays in force
        raise
    _adopt(account, next_key, replay(account.did, log.did_events(account.did)), setting)
    account._seal_recovery(path, [following], sealer)


def deactivate(
    account: IssuerAccount,
    setting: LocalSetting,
    *,
    recovery: str,
    recovery_file: Path | None,
    now: datetime | None,
    ledger: Ledger | None,
) -> None:
    """Deactivate the DID for good (see the account's method)."""
    log, state = _history(account, "deactivate", ledger or setting.ledger())
    path = recovery_file or account.recovery_path(setting, account.name)
    keys, _ = account._recovery_keys(path, recovery, None)
    if _finish_rotation(account, state, keys, setting):
        state = replay(account.did, log.did_events(account.did))
    moment = now or account._after_last_use(log)
    event = deactivate_event(
        account.did,
        version=state.version,
        current_key=account.key,
        next_key=_committed(account, keys, state),
        previous_leaf=state.last_leaf,
        timestamp=int(moment.timestamp()),
    )
    log.append([event], now=moment)
    account.deactivated = True
    account.save(setting)


def check_rotation(account: IssuerAccount, setting: LocalSetting, ledger: Ledger) -> None:
    """Forget a rotation the ledger never saw; keep the mark of one it recorded (until rotate() finishes it)."""
    try:
        state = replay(account.did, ledger.did_events(account.did))
    except LedgerError:
        return
    if state.current.key == account.key.public_key:
        account.rotation_started = False
        account.save(setting)


def _history(account: IssuerAccount, action: str, log: Ledger) -> tuple[Ledger, DidState]:
    """The ledger and this DID's replayed history; UsageError when ``action`` is impossible."""
    if not account.did.startswith("did:vcred:"):
        raise UsageError(f"{account.name} has a did:key, which cannot {action}", hint="create a did:vcred issuer")
    events = log.did_events(account.did)
    if not events:
        raise UsageError(f"{account.did} is not in this ledger")
    state = replay(account.did, events)
    if state.deactivated_at is not None:
        raise UsageError(f"{account.did} is deactivated: it cannot {action}")
    return log, state


def _committed(account: IssuerAccount, keys: list[Ed25519SigningKey], state: DidState) -> Ed25519SigningKey:
    """The key the DID's last event committed to."""
    for key in keys:
        if commitment(key.public_key) == state.next_commitment:
            return key
    raise UsageError(
        f"the recovery file does not hold the key {account.did} committed to next",
        hint="pass the recovery file of this issuer's latest rotation (--recovery-file)",
    )


def _finish_rotation(
    account: IssuerAccount, state: DidState, keys: list[Ed25519SigningKey], setting: LocalSetting
) -> bool:
    """Adopt the key the ledger put in force if this account does not hold it yet (an interrupted rotation)."""
    if state.current.key == account.key.public_key:
        return False
    revealed = next((k for k in keys if k.public_key == state.current.key), None)
    if revealed is None:
        raise UsageError(
            f"the ledger says {account.did} signs with key version {state.version}, which neither this account "
            "nor the recovery file holds"
        )
    _adopt(account, revealed, state, setting)
    return True


def _adopt(account: IssuerAccount, key: Ed25519SigningKey, state: DidState, setting: LocalSetting) -> None:
    """Make ``key`` (in force in ``state``) the account's key, and save."""
    account.key, account.key_since = key, state.current.since
    account.verification_method = method_id(account.did, state.version)
    account.rotation_started, account.legacy_next_key = False, None
    account.save(setting)
