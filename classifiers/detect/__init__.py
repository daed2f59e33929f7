"""Detection: detector families, key-name context, value normalisation, known values and the
endpoint adapters that name the fields of known SDKs."""
