"""Personal data encrypted per data subject and category; erasure by destroying keys.

Modules: :mod:`~events.pii.sealing` (one field's AES-GCM envelope), :mod:`~events.pii.wrapping`
(master key, ``KeyWrapper`` port), :mod:`~events.pii.keyring` (``subject_keys``, cache),
:mod:`~events.pii.protector` (the store's ``EncryptedPayloads``), :mod:`~events.pii.erasure`
(``destroy_keys``, read-model hooks), :mod:`~events.pii.setup` (from the service settings).
Import from the modules: the envelope imports :mod:`~events.pii.sealing` at start-up.
"""
