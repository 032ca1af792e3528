"""The rules. `catalogue` is what each rule is (data any module may read); `registry` binds
each rule id to its implementation (imported by the engine only)."""
