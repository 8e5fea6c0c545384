import { useState } from 'react';
import { asBackendError } from './api';
import { type FieldErrors, hasErrors } from './validation';

/**
 * A form's values, per-field errors and submission: validation first (nothing is sent while a field
 * is wrong), then the backend, whose refusal lands on the field its `param` names (via `fieldOf`) or,
 * failing that, in `formError`.
 */
export function useForm<F extends { [K in keyof F]: string }>(initial: F, validate: (form: F) => FieldErrors<keyof F & string>, fieldOf: (param: string) => keyof F | undefined) {
  const [form, setForm] = useState<F>(initial);
  const [errors, setErrors] = useState<FieldErrors<keyof F & string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  const field = (key: keyof F & string) => ({
    name: key,
    value: form[key],
    error: errors[key],
    invalid: !!errors[key],
    onChange: (event: { target: { value: string } }) => setForm((current) => ({ ...current, [key]: event.target.value })),
  });

  /** Returns whether `send` succeeded. */
  const submit = async (send: (form: F) => Promise<unknown>): Promise<boolean> => {
    const found = validate(form);
    setErrors(found);
    setFormError(null);
    if (hasErrors(found)) return false;
    setPending(true);
    try {
      await send(form);
      return true;
    } catch (error) {
      const backend = asBackendError(error);
      const key = backend.param ? fieldOf(backend.param) : undefined;
      if (key) setErrors({ [key]: backend.message } as FieldErrors<keyof F & string>);
      else setFormError(backend.message);
      return false;
    } finally {
      setPending(false);
    }
  };

  return { form, setForm, field, submit, formError, pending };
}
