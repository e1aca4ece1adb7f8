/** The sign-up page (`/signup`, only while `TESSERA_SIGNUP=open`): name, email, password. */
import { api } from "./lib/api.js";
import { byId, fieldValue, handleForm, setVisible } from "./lib/dom.js";

const form = byId<HTMLFormElement>("signup-form");
handleForm(form, {
  message: byId("signup-message"),
  submit: async () => {
    const email = fieldValue(form, "email");
    await api("POST", "/signup", {
      name: fieldValue(form, "name"),
      email,
      password: fieldValue(form, "password", true),
    });
    form.reset();
    // The same answer whether or not the name or address is taken: the mail says which.
    byId("signup-done-email").textContent = email;
    setVisible(false, byId("signup-step"));
    setVisible(true, byId("signup-done"));
    byId("signup-done-title").focus();
  },
});
